//! Tabular data: CSV loading with clear errors, column selection, class vocabularies and
//! standardisation.
//!
//! Every error names the file, and where a single cell is at fault, `file:line` and the column,
//! so the one-line message the CLI prints is enough to find the problem.

use std::fs;
use std::path::{Path, PathBuf};

use crate::data_err;
use crate::error::{HostError, Result};

/// A CSV file held in memory: a header row and string cells (trimmed), with the line number
/// of every data row for error messages.
#[derive(Debug, Clone)]
pub struct Table {
    path: PathBuf,
    headers: Vec<String>,
    rows: Vec<Vec<String>>,
    lines: Vec<u64>,
}

impl Table {
    /// Reads a CSV file with a header row. Errors: missing/unreadable file, no header, no data
    /// rows, rows with a different number of fields than the header (ragged).
    pub fn read(path: &Path) -> Result<Table> {
        let bytes = fs::read(path).map_err(|e| HostError::io(path, e))?;
        let name = path.display().to_string();
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(&bytes[..]);
        let headers: Vec<String> = reader
            .headers()
            .map_err(|e| csv_error(&name, &bytes, e))?
            .iter()
            .map(str::to_owned)
            .collect();
        if headers.is_empty() || headers.iter().all(|h| h.is_empty()) {
            return Err(data_err!(
                "{name}: the file is empty (expected a header row)"
            ));
        }
        let mut rows = Vec::new();
        let mut lines = Vec::new();
        let mut counter = LineCounter::new(&bytes);
        for record in reader.records() {
            let record = record.map_err(|e| csv_error(&name, &bytes, e))?;
            lines.push(record.position().map_or(0, |p| counter.line_at(p.byte())));
            rows.push(record.iter().map(str::to_owned).collect());
        }
        Table::from_parts(path, headers, rows, lines)
    }

    /// A table from already split cells (for tests and generated data). `lines` gives the
    /// line number of each row (the header is line 1 when empty).
    pub fn from_parts(
        path: &Path,
        headers: Vec<String>,
        rows: Vec<Vec<String>>,
        lines: Vec<u64>,
    ) -> Result<Table> {
        let name = path.display().to_string();
        if rows.is_empty() {
            return Err(data_err!("{name}: no data rows (only a header)"));
        }
        let lines = if lines.len() == rows.len() {
            lines
        } else {
            (0..rows.len() as u64).map(|i| i + 2).collect()
        };
        for (row, line) in rows.iter().zip(&lines) {
            if row.len() != headers.len() {
                return Err(data_err!(
                    "{name}:{line}: row has {} fields, the header has {}",
                    row.len(),
                    headers.len()
                ));
            }
        }
        Ok(Table {
            path: path.to_path_buf(),
            headers,
            rows,
            lines,
        })
    }

    /// The file the table came from.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Column names, in file order.
    pub fn headers(&self) -> &[String] {
        &self.headers
    }

    /// Number of data rows (at least one).
    pub fn n_rows(&self) -> usize {
        self.rows.len()
    }

    /// `file:line` of data row `row`.
    pub fn location(&self, row: usize) -> String {
        format!("{}:{}", self.path.display(), self.lines[row])
    }

    /// The index of column `name`; an unknown name is an error listing the available columns.
    pub fn column(&self, name: &str) -> Result<usize> {
        self.headers.iter().position(|h| h == name).ok_or_else(|| {
            data_err!(
                "{}: unknown column '{name}' (available: {})",
                self.path.display(),
                self.headers.join(", ")
            )
        })
    }

    /// The indices of several columns (see [`Table::column`]).
    pub fn columns(&self, names: &[String]) -> Result<Vec<usize>> {
        names.iter().map(|n| self.column(n)).collect()
    }

    /// The cells of column `col`, one per row.
    pub fn cells(&self, col: usize) -> impl Iterator<Item = &str> + '_ {
        self.rows.iter().map(move |r| r[col].as_str())
    }

    /// Whether column `col` holds numbers: true when most cells parse as numbers (a stray
    /// bad cell in a numeric column is then reported by [`Table::numeric`], rather than the
    /// column silently becoming a column of labels).
    pub fn is_numeric(&self, col: usize) -> bool {
        let numeric = self.cells(col).filter(|c| c.parse::<f32>().is_ok()).count();
        2 * numeric > self.n_rows()
    }

    /// The values of columns `cols` as a row-major `n_rows × cols.len()` matrix. Every cell must
    /// be a finite number; otherwise the error gives `file:line`, the column and the cell.
    pub fn numeric(&self, cols: &[usize]) -> Result<Vec<f32>> {
        let mut out = Vec::with_capacity(self.n_rows() * cols.len());
        for (r, row) in self.rows.iter().enumerate() {
            for &c in cols {
                out.push(self.parse_cell(r, c, &row[c])?);
            }
        }
        Ok(out)
    }

    fn parse_cell(&self, row: usize, col: usize, cell: &str) -> Result<f32> {
        let at = self.location(row);
        let name = &self.headers[col];
        match cell.parse::<f32>() {
            Ok(v) if v.is_finite() => Ok(v),
            Ok(_) => Err(data_err!(
                "{at}: column '{name}' has a non-finite value '{cell}' (NaN and infinities are not allowed)"
            )),
            Err(_) if cell.is_empty() => {
                Err(data_err!("{at}: column '{name}' has an empty cell where a number is needed"))
            }
            Err(_) => Err(data_err!(
                "{at}: column '{name}' has a non-numeric value '{cell}'"
            )),
        }
    }

    /// The sorted distinct labels of column `col` (numerically sorted when every label is a
    /// number, e.g. digit classes `0…10`, else lexicographically). Empty labels are an error.
    pub fn vocabulary(&self, col: usize) -> Result<Vec<String>> {
        for (r, cell) in self.cells(col).enumerate() {
            if cell.is_empty() {
                return Err(data_err!(
                    "{}: column '{}' has an empty label",
                    self.location(r),
                    self.headers[col]
                ));
            }
        }
        // Distinct labels first (a set of borrowed cells), then owned and sorted.
        let distinct: std::collections::BTreeSet<&str> = self.cells(col).collect();
        let mut labels: Vec<String> = distinct.into_iter().map(str::to_owned).collect();
        sort_labels(&mut labels);
        Ok(labels)
    }

    /// The index of each row's label of column `col` in `classes`; a label that is not one of
    /// `classes` is an error naming `file:line`.
    pub fn class_indices(&self, col: usize, classes: &[String]) -> Result<Vec<usize>> {
        self.cells(col)
            .enumerate()
            .map(|(r, cell)| {
                find_class(classes, cell).ok_or_else(|| {
                    data_err!(
                        "{}: column '{}' has label '{cell}', which is not one of the model's classes ({})",
                        self.location(r),
                        self.headers[col],
                        classes.join(", ")
                    )
                })
            })
            .collect()
    }
}

/// Sorts class labels: numerically when all are numbers, else as strings.
pub fn sort_labels(labels: &mut [String]) {
    let all_numeric = labels.iter().all(|l| l.parse::<f64>().is_ok());
    if all_numeric {
        labels.sort_by(|a, b| {
            let (x, y) = (
                a.parse::<f64>().unwrap_or(0.0),
                b.parse::<f64>().unwrap_or(0.0),
            );
            x.total_cmp(&y)
        });
    } else {
        labels.sort();
    }
}

/// The position of `label` in `classes`; numeric labels also match numerically (`1.0` is `1`).
pub fn find_class(classes: &[String], label: &str) -> Option<usize> {
    classes.iter().position(|c| c == label).or_else(|| {
        let v = label.parse::<f64>().ok()?;
        classes
            .iter()
            .position(|c| c.parse::<f64>().ok() == Some(v))
    })
}

/// The 1-based line of the record starting at byte `at`: line terminators at `at` belong to
/// the previous line (the csv crate's own line count is off by one on CRLF files).
/// [`line_at`] for increasing byte offsets in one pass over the file (records come in order):
/// counts only the newlines between the previous offset and the next, so reading a file stays
/// linear in its size.
struct LineCounter<'a> {
    bytes: &'a [u8],
    /// Offset up to which newlines have been counted.
    pos: usize,
    /// Newlines in `bytes[..pos]`.
    newlines: u64,
}

impl<'a> LineCounter<'a> {
    fn new(bytes: &'a [u8]) -> Self {
        LineCounter {
            bytes,
            pos: 0,
            newlines: 0,
        }
    }

    /// The same as `line_at(bytes, at)`; offsets below an earlier one are recounted from 0.
    fn line_at(&mut self, at: u64) -> u64 {
        let bytes = self.bytes;
        let mut at = (at as usize).min(bytes.len());
        while at < bytes.len() && (bytes[at] == b'\r' || bytes[at] == b'\n') {
            at += 1;
        }
        if at < self.pos {
            self.pos = 0;
            self.newlines = 0;
        }
        self.newlines += bytes[self.pos..at].iter().filter(|&&b| b == b'\n').count() as u64;
        self.pos = at;
        1 + self.newlines
    }
}

fn line_at(bytes: &[u8], at: u64) -> u64 {
    let mut at = (at as usize).min(bytes.len());
    while at < bytes.len() && (bytes[at] == b'\r' || bytes[at] == b'\n') {
        at += 1;
    }
    1 + bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64
}

fn csv_error(name: &str, bytes: &[u8], e: csv::Error) -> HostError {
    let line = e.position().map(|p| line_at(bytes, p.byte()));
    match (e.kind(), line) {
        (
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            },
            Some(line),
        ) => data_err!("{name}:{line}: row has {len} fields, the header has {expected_len}"),
        (csv::ErrorKind::Utf8 { .. }, Some(line)) => {
            data_err!("{name}:{line}: the row is not valid UTF-8")
        }
        (_, Some(line)) => data_err!("{name}:{line}: {e}"),
        (_, None) => data_err!("{name}: {e}"),
    }
}

/// Per-column affine normalisation `x' = (x − mean) / std`, stored in model files so that
/// evaluation and prediction apply what training applied.
#[derive(Debug, Clone, PartialEq)]
pub struct Standardizer {
    /// Column means.
    pub mean: Vec<f32>,
    /// Column standard deviations (never zero).
    pub std: Vec<f32>,
}

impl Standardizer {
    /// The identity transform on `n` columns (mean 0, std 1).
    pub fn identity(n: usize) -> Self {
        Standardizer {
            mean: vec![0.0; n],
            std: vec![1.0; n],
        }
    }

    /// Fits mean and **sample** standard deviation (divisor `n − 1`) of each column of the
    /// row-major matrix `data` with `n_cols` columns. A zero (or undefined, one row) std
    /// becomes 1 so that constant columns pass through centred.
    pub fn fit(data: &[f32], n_cols: usize) -> Self {
        let n = data.len().checked_div(n_cols).unwrap_or(0);
        let mut mean = vec![0.0f64; n_cols];
        for row in data.chunks_exact(n_cols.max(1)) {
            for (m, &v) in mean.iter_mut().zip(row) {
                *m += v as f64;
            }
        }
        for m in &mut mean {
            *m /= n.max(1) as f64;
        }
        let mut var = vec![0.0f64; n_cols];
        for row in data.chunks_exact(n_cols.max(1)) {
            for ((s, &v), m) in var.iter_mut().zip(row).zip(&mean) {
                *s += (v as f64 - m) * (v as f64 - m);
            }
        }
        let std = var
            .iter()
            .map(|&s| {
                let sd = if n > 1 {
                    (s / (n - 1) as f64).sqrt()
                } else {
                    0.0
                };
                if sd > 0.0 && sd.is_finite() {
                    sd as f32
                } else {
                    1.0
                }
            })
            .collect();
        Standardizer {
            mean: mean.iter().map(|&m| m as f32).collect(),
            std,
        }
    }

    /// Number of columns.
    pub fn len(&self) -> usize {
        self.mean.len()
    }

    /// Whether there are no columns.
    pub fn is_empty(&self) -> bool {
        self.mean.is_empty()
    }

    /// Checks the lengths agree with `n` columns, values are finite and stds positive.
    pub fn check(&self, what: &str, n: usize) -> Result<()> {
        if self.mean.len() != n || self.std.len() != n {
            return Err(HostError::Model(format!(
                "{what} standardisation has {} means and {} stds, expected {n}",
                self.mean.len(),
                self.std.len()
            )));
        }
        let ok = self.mean.iter().all(|m| m.is_finite())
            && self.std.iter().all(|s| s.is_finite() && *s > 0.0);
        if ok {
            Ok(())
        } else {
            Err(HostError::Model(format!(
                "{what} standardisation has non-finite values or non-positive stds"
            )))
        }
    }

    /// Applies `x' = (x − mean) / std` to every row of `data` in place.
    pub fn apply(&self, data: &mut [f32]) {
        let n = self.len().max(1);
        for row in data.chunks_exact_mut(n) {
            for ((v, m), s) in row.iter_mut().zip(&self.mean).zip(&self.std) {
                *v = (*v - m) / s;
            }
        }
    }

    /// Undoes [`Standardizer::apply`]: `x = x' · std + mean`.
    pub fn invert(&self, data: &mut [f32]) {
        let n = self.len().max(1);
        for row in data.chunks_exact_mut(n) {
            for ((v, m), s) in row.iter_mut().zip(&self.mean).zip(&self.std) {
                *v = *v * s + m;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(rows: &[&[&str]]) -> Table {
        Table::from_parts(
            Path::new("t.csv"),
            vec!["a".into(), "b".into()],
            rows.iter()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect(),
            vec![],
        )
        .unwrap()
    }

    #[test]
    fn standardizer_uses_sample_std() {
        // Column 0: 1,2,3,4 → mean 2.5, sample std sqrt(5/3); column 1 constant → std 1.
        let data = [1.0, 7.0, 2.0, 7.0, 3.0, 7.0, 4.0, 7.0];
        let s = Standardizer::fit(&data, 2);
        assert_eq!(s.mean, vec![2.5, 7.0]);
        assert!((s.std[0] - (5.0f32 / 3.0).sqrt()).abs() < 1e-6);
        assert_eq!(s.std[1], 1.0);
        let mut d = data;
        s.apply(&mut d);
        assert!((d[0] + 1.5 / (5.0f32 / 3.0).sqrt()).abs() < 1e-6);
        assert_eq!(d[1], 0.0);
        s.invert(&mut d);
        for (a, b) in d.iter().zip(&data) {
            assert!((a - b).abs() < 1e-6);
        }
    }

    #[test]
    fn cell_errors_name_line_and_column() {
        let t = table(&[&["1", "2"], &["3", "x"]]);
        let e = t.numeric(&[0, 1]).unwrap_err().to_string();
        assert!(
            e.contains("t.csv:3") && e.contains("'b'") && e.contains("'x'"),
            "{e}"
        );
        let t = table(&[&["1", "NaN"]]);
        let e = t.numeric(&[1]).unwrap_err().to_string();
        assert!(e.contains("t.csv:2") && e.contains("non-finite"), "{e}");
        let e = t.column("c").unwrap_err().to_string();
        assert!(
            e.contains("unknown column 'c'") && e.contains("a, b"),
            "{e}"
        );
    }

    #[test]
    fn vocabulary_sorting_and_lookup() {
        let t = table(&[&["10", "b"], &["9", "a"], &["10", "c"], &["1", "a"]]);
        assert_eq!(t.vocabulary(0).unwrap(), vec!["1", "9", "10"]);
        assert_eq!(t.vocabulary(1).unwrap(), vec!["a", "b", "c"]);
        let classes = t.vocabulary(1).unwrap();
        assert_eq!(t.class_indices(1, &classes).unwrap(), vec![1, 0, 2, 0]);
        assert_eq!(find_class(&["0".into(), "1".into()], "1.0"), Some(1));
        let e = t.class_indices(1, &classes[..2]).unwrap_err().to_string();
        assert!(e.contains("t.csv:4") && e.contains("'c'"), "{e}");
    }

    #[test]
    fn line_numbers_with_lf_and_crlf() {
        let lf = b"a,b\n1,2\n3,4\n";
        let crlf = b"a,b\r\n1,2\r\n3,4\r\n";
        assert_eq!(line_at(lf, 4), 2);
        assert_eq!(line_at(lf, 8), 3);
        // A record position on the CRLF's '\n' still means the next line.
        assert_eq!(line_at(crlf, 4), 2);
        assert_eq!(line_at(crlf, 5), 2);
        assert_eq!(line_at(crlf, 10), 3);
        for text in [&lf[..], &crlf[..]] {
            let mut c = LineCounter::new(text);
            for at in [0u64, 3, 4, 5, 8, 10, 2, 9] {
                assert_eq!(c.line_at(at), line_at(text, at), "{at}");
            }
        }
    }

    #[test]
    fn empty_and_ragged_tables_are_errors() {
        let p = Path::new("e.csv");
        assert!(Table::from_parts(p, vec!["a".into()], vec![], vec![]).is_err());
        let e = Table::from_parts(
            p,
            vec!["a".into()],
            vec![vec!["1".into(), "2".into()]],
            vec![5],
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("e.csv:5"), "{e}");
    }
}
