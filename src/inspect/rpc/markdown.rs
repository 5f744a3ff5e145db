//! The rows of the markdown tables the RPC data files are written in
//! (`data/rpc-interfaces.md`, `data/rpc-operations.md`): lines starting with `|`, a header
//! row first, separator rows skipped, every row with exactly the header's cell count.

/// A table's data rows, each as (line number, its `N` cells).
pub type Rows<'a, const N: usize> = Vec<(usize, [&'a str; N])>;

/// The data rows of the markdown table in `text` whose header's first cell is `first`
/// (any case), each as (line number, its `N` cells). Lines that are not table rows are
/// skipped. Fails with the line number and what was wrong.
pub fn rows<'a, const N: usize>(
    text: &'a str,
    first: &str,
) -> Result<Rows<'a, N>, (usize, String)> {
    let mut out = Vec::new();
    let mut header_seen = false;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let row = raw.trim();
        if !row.starts_with('|') {
            continue;
        }
        let cells: Vec<&str> = row.trim_matches('|').split('|').map(str::trim).collect();
        if !header_seen {
            if cells.first().is_some_and(|c| c.eq_ignore_ascii_case(first)) {
                header_seen = true;
                continue;
            }
            return Err((line, format!("expected the header row | {first} | ... |")));
        }
        if cells
            .iter()
            .all(|c| c.chars().all(|ch| ch == '-' || ch == ':' || ch == ' '))
        {
            continue;
        }
        let found = cells.len();
        let cells: [&str; N] = cells
            .try_into()
            .map_err(|_| (line, format!("expected {N} cells, found {found}")))?;
        out.push((line, cells));
    }
    if !header_seen {
        return Err((1, "no table header found".into()));
    }
    Ok(out)
}
