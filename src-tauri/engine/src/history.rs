//! The local change log: viewing and CSV export.

use crate::desk::Desk;
use crate::edits::value_text;
use crate::EngineError;
use desk_store::ChangeRecord;
use std::path::Path;

/// A CSV text cell: quoted, and prefixed with `'` when a spreadsheet would run it as a formula.
/// Numbers are written as they are (a guarded `'-3.20` is text no spreadsheet sums).
pub(crate) fn text_cell(text: &str) -> String {
    let safe = if text.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    format!("\"{}\"", safe.replace('"', "\"\""))
}

pub fn to_csv(records: &[ChangeRecord]) -> String {
    let mut out = String::from(
        "time_utc,user,edited_utc,account_id,account_name,field,old,new,result,request_id\r\n",
    );
    for r in records {
        let row = [
            r.at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            r.user.clone(),
            r.edited_at
                .map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
                .unwrap_or_default(),
            r.account_id.clone(),
            r.account_name.clone(),
            r.field.clone(),
            value_text(r.old.as_ref()),
            value_text(r.new.as_ref()),
            r.result.clone(),
            r.request_id.clone().unwrap_or_default(),
        ];
        out.push_str(
            &row.iter()
                .map(|c| text_cell(c))
                .collect::<Vec<_>>()
                .join(","),
        );
        out.push_str("\r\n");
    }
    out
}

impl Desk {
    /// The change log, newest first, for one account or all.
    pub fn changes(&self, account: Option<&str>) -> Result<Vec<ChangeRecord>, EngineError> {
        if let Some(a) = account {
            self.known(a)?;
        }
        Ok(self.cache.changes(account)?)
    }

    /// Write the change log as CSV; returns how many records were written.
    pub fn export_changes(&self, account: Option<&str>, path: &Path) -> Result<usize, EngineError> {
        let records = self.changes(account)?;
        std::fs::write(path, to_csv(&records)).map_err(|e| desk_store::StoreError::Io {
            path: path.to_owned(),
            detail: e.to_string(),
        })?;
        Ok(records.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn quotes_and_defuses_formulas() {
        let r = ChangeRecord {
            at: chrono::DateTime::parse_from_rfc3339("2026-11-26T10:00:00Z")
                .unwrap()
                .into(),
            user: "Dana \"D\" W".into(),
            edited_at: None,
            account_id: "a".into(),
            account_name: "=HYPERLINK(\"x\")".into(),
            field: "name".into(),
            old: Some(json!("A, Inc")),
            new: None,
            result: "applied".into(),
            request_id: Some("rq".into()),
        };
        let csv = to_csv(&[r]);
        let line = csv.lines().nth(1).unwrap();
        assert_eq!(
            line,
            r#""2026-11-26T10:00:00Z","Dana ""D"" W","","a","'=HYPERLINK(""x"")","name","A, Inc","(not set)","applied","rq""#
        );
    }
}
