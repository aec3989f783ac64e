//! The local change log: recording what became of each field's edit, viewing, CSV export.

use crate::desk::Desk;
use crate::export::{sheet, write_file, Cell};
use crate::pending::value_text;
use crate::EngineError;
use desk_core::{AccountId, FieldChange};
use desk_store::{ChangeRecord, PendingEdit};
use serde_json::Value;
use std::path::Path;

/// The change log as CSV: one row per change, values that are numbers left as numbers.
pub fn to_csv(records: &[ChangeRecord]) -> String {
    let header = [
        "time_utc",
        "user",
        "edited_utc",
        "account_id",
        "account_name",
        "field",
        "old",
        "new",
        "result",
        "request_id",
    ]
    .map(Cell::text)
    .into();
    let time = |t: chrono::DateTime<chrono::Utc>| {
        Cell::text(t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true))
    };
    let value = |v: Option<&Value>| match v {
        Some(Value::Number(n)) => Cell::number(n),
        other => Cell::text(value_text(other)),
    };
    let rows = records.iter().map(|r| {
        vec![
            time(r.at),
            Cell::text(&r.user),
            r.edited_at.map_or_else(|| Cell::text(""), time),
            Cell::text(&r.account_id),
            Cell::text(&r.account_name),
            Cell::text(&r.field),
            value(r.old.as_ref()),
            value(r.new.as_ref()),
            Cell::text(&r.result),
            Cell::text(r.request_id.clone().unwrap_or_default()),
        ]
    });
    sheet(std::iter::once(header).chain(rows))
}

impl Desk {
    /// Log the fields of an edit the server took.
    pub(crate) fn log_applied(
        &self,
        id: &AccountId,
        edit: &PendingEdit,
        fields: &[FieldChange],
        request_id: Option<&str>,
    ) {
        self.log_fields(id, edit, fields, "applied", request_id);
    }

    /// Log one result for every field of an edit.
    pub(crate) fn log_fields(
        &self,
        id: &AccountId,
        edit: &PendingEdit,
        fields: &[FieldChange],
        result: &str,
        request_id: Option<&str>,
    ) {
        for f in fields {
            self.log(
                id.as_str(),
                edit.made.get(&f.path),
                &f.path,
                (f.base.as_ref(), f.mine.as_ref()),
                result,
                request_id,
            );
        }
    }

    /// Log the fields changed on the server too, with the server's value as the old one.
    pub(crate) fn log_conflicts(
        &self,
        id: &AccountId,
        edit: &PendingEdit,
        conflicts: &[(String, Option<Value>)],
    ) {
        for (path, theirs) in conflicts {
            let mine = edit
                .fields
                .iter()
                .find(|f| &f.path == path)
                .and_then(|f| f.mine.as_ref());
            self.log(
                id.as_str(),
                edit.made.get(path),
                path,
                (theirs.as_ref(), mine),
                "conflict: changed on the server too",
                None,
            );
        }
    }

    /// Log what became of one field's edit; `made` names who made it and when (the signed-in
    /// user now, for an edit saved before that was kept).
    pub(crate) fn log(
        &self,
        id: &str,
        made: Option<&desk_store::Made>,
        field: &str,
        (old, new): (Option<&Value>, Option<&Value>),
        result: &str,
        request_id: Option<&str>,
    ) {
        let record = ChangeRecord {
            at: self.now(),
            user: made.map_or_else(|| self.user(), |m| m.by.clone()),
            edited_at: made.map(|m| m.at),
            account_id: id.to_owned(),
            account_name: self.account_name(id),
            field: field.to_owned(),
            old: old.cloned(),
            new: new.cloned(),
            result: result.to_owned(),
            request_id: request_id.map(str::to_owned),
        };
        if let Err(e) = self.cache.log_change(&record) {
            tracing::error!(error = %e, "could not write the change log");
        }
    }

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
        write_file(path, &to_csv(&records))?;
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
            new: Some(json!(-3.2)),
            result: "applied".into(),
            request_id: Some("rq".into()),
        };
        let csv = to_csv(&[r]);
        let line = csv.lines().nth(1).unwrap();
        assert_eq!(
            line,
            r#""2026-11-26T10:00:00Z","Dana ""D"" W","","a","'=HYPERLINK(""x"")","name","A, Inc",-3.2,"applied","rq""#
        );
    }
}
