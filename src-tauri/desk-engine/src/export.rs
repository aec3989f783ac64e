//! CSV for spreadsheets, one way for every export: text cells quoted and defused (a cell a
//! spreadsheet would run as a formula starts with `'`), numbers left bare so a spreadsheet sums
//! them, rows ended by CRLF as RFC 4180 says.

use csv::{QuoteStyle, Terminator, WriterBuilder};

/// One cell of a row.
pub(crate) enum Cell {
    Text(String),
    /// Written as it is: only ever a number's own text.
    Number(String),
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Self {
        Self::Text(s.into())
    }

    pub fn number(n: impl ToString) -> Self {
        Self::Number(n.to_string())
    }

    fn into_field(self) -> String {
        match self {
            Self::Text(t) if t.starts_with(['=', '+', '-', '@', '\t', '\r']) => format!("'{t}"),
            Self::Text(t) | Self::Number(t) => t,
        }
    }
}

/// Rows of cells, then the text of the file.
pub(crate) fn sheet(rows: impl IntoIterator<Item = Vec<Cell>>) -> String {
    // Text is quoted; a number is not, which is how a spreadsheet tells them apart.
    let mut w = WriterBuilder::new()
        .quote_style(QuoteStyle::NonNumeric)
        .terminator(Terminator::CRLF)
        .from_writer(Vec::new());
    for row in rows {
        // Writing to memory cannot fail.
        let _ = w.write_record(row.into_iter().map(Cell::into_field));
    }
    let bytes = w.into_inner().unwrap_or_default();
    String::from_utf8(bytes).unwrap_or_default()
}

/// Write an export where the user chose; a failure names the file.
pub(crate) fn write_file(path: &std::path::Path, text: &str) -> Result<(), crate::EngineError> {
    std::fs::write(path, text).map_err(|e| {
        desk_store::StoreError::Io {
            path: path.to_owned(),
            detail: e.to_string(),
        }
        .into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_amounts_are_numbers_and_formulas_are_text() {
        let csv = sheet([vec![
            Cell::number("-3.20"),
            Cell::text("-3.20"),
            Cell::text("=SUM(A1)"),
            Cell::text("say \"hi\", then"),
            Cell::text(""),
        ]]);
        assert_eq!(
            csv,
            "-3.20,\"'-3.20\",\"'=SUM(A1)\",\"say \"\"hi\"\", then\",\"\"\r\n"
        );
    }
}
