//! A list's total, counted exactly only as far as counting stays cheap. An exact total
//! costs a read of every matching row or index entry: at a hundred thousand engagements
//! and three quarters of a million obligations that read, on every page of a list, is
//! most of the request. Past a bound (`list_count_up_to` in the configuration) a list
//! says only that it holds more than that, as search engines do, and a page never reads
//! more rows to count than it reads to reach its own place in the list.

use crate::error::AppResult;

/// How many rows a list holds: exactly `count`, or more than `count` when not `exact`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Total {
    pub count: i64,
    pub exact: bool,
}

impl Total {
    pub fn exact(count: i64) -> Total {
        Total { count, exact: true }
    }

    pub fn more_than(count: i64) -> Total {
        Total {
            count,
            exact: false,
        }
    }
}

impl From<i64> for Total {
    fn from(count: i64) -> Total {
        Total::exact(count)
    }
}

/// The total a page tells by itself: a page short of its length, and not past the end,
/// is the last one.
pub fn page_tells_total(offset: i64, limit: i64, len: usize) -> Option<i64> {
    let len = len as i64;
    (len < limit && (len > 0 || offset == 0)).then_some(offset + len)
}

/// The total of a list whose page at `offset` (of `limit` rows) came back with `len`
/// rows, counted exactly up to `up_to` rows or to the end of the page, whichever is
/// further (`i64::MAX`: always exactly). `next` is whether a row follows the page, when
/// the page was read with one row more to tell.
///
/// `more_than(n)` says whether more than `n` rows match, reading at most `n + 1` of them
/// (a query with `OFFSET n LIMIT 1`); only when it says no does `count` count them, and
/// then there are at most `n`. A page that ends at or past `up_to` and knows its `next`
/// needs neither.
pub fn bounded<C>(
    conn: &mut C,
    (offset, limit, len): (i64, i64, usize),
    next: Option<bool>,
    up_to: i64,
    more_than: impl FnOnce(&mut C, i64) -> AppResult<bool>,
    count: impl FnOnce(&mut C) -> AppResult<i64>,
) -> AppResult<Total> {
    if let Some(n) = page_tells_total(offset, limit, len) {
        return Ok(Total::exact(n));
    }
    let end = offset.saturating_add(len as i64);
    let floor = up_to.max(end);
    match next {
        Some(true) if floor == end => return Ok(Total::more_than(end)),
        Some(false) if len > 0 => return Ok(Total::exact(end)),
        _ => {}
    }
    if floor < i64::MAX && more_than(conn, floor)? {
        return Ok(Total::more_than(floor));
    }
    Ok(Total::exact(count(conn)?))
}

/// The page of `rows`, read with one row more than `limit` to tell whether another
/// follows: the page, and whether one does.
pub fn split_next<T>(mut rows: Vec<T>, limit: i64) -> (Vec<T>, bool) {
    let next = rows.len() as i64 > limit;
    rows.truncate(limit.max(0) as usize);
    (rows, next)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A list of `rows` rows, as the data layer would answer for it, and how far the
    /// answer read.
    fn total_of(rows: i64, (offset, limit): (i64, i64), up_to: i64) -> (Total, i64) {
        read_with(rows, (offset, limit), None, up_to)
    }

    /// As [`total_of`], the page read with one row more when `one_more`.
    fn read_with(
        rows: i64,
        (offset, limit): (i64, i64),
        next: Option<bool>,
        up_to: i64,
    ) -> (Total, i64) {
        let len = (rows - offset).clamp(0, limit) as usize;
        let page_end = offset + len as i64 + i64::from(next.is_some() && rows > offset + limit);
        let read = std::cell::Cell::new(page_end);
        let total = bounded(
            &mut (),
            (offset, limit, len),
            next,
            up_to,
            |_, n| {
                read.set(read.get().max(n + 1));
                Ok(rows > n)
            },
            |_| {
                read.set(read.get().max(rows));
                Ok(rows)
            },
        )
        .unwrap();
        (total, read.get())
    }

    #[test]
    fn a_short_page_tells_its_total_and_nothing_is_counted() {
        assert_eq!(total_of(7, (0, 10), 3), (Total::exact(7), 7));
        assert_eq!(total_of(27, (20, 10), 3), (Total::exact(27), 27));
        // An empty list, and an empty page past the end: counted, but only so far.
        assert_eq!(total_of(0, (0, 10), 3).0, Total::exact(0));
        assert_eq!(total_of(25, (40, 10), 100), (Total::exact(25), 101));
    }

    #[test]
    fn a_full_page_counts_exactly_up_to_the_bound_and_no_further() {
        // Within the bound: exact.
        assert_eq!(total_of(30, (0, 10), 100), (Total::exact(30), 101));
        assert_eq!(total_of(100, (0, 10), 100), (Total::exact(100), 101));
        // Past it: "more than 100", reading 101 rows, not 5,000.
        assert_eq!(total_of(5_000, (0, 10), 100), (Total::more_than(100), 101));
        // A page deeper than the bound reads to its own end anyway: the total is then
        // exact up to there, and a further row means a next page.
        assert_eq!(
            total_of(5_000, (990, 10), 100),
            (Total::more_than(1_000), 1_001)
        );
        assert_eq!(
            total_of(1_000, (990, 10), 100),
            (Total::exact(1_000), 1_001)
        );
        // A page read with one row more needs no probe where it ends past the bound.
        let next = |rows: i64, (offset, limit): (i64, i64)| rows > offset + limit;
        assert_eq!(
            read_with(5_000, (990, 10), Some(next(5_000, (990, 10))), 100),
            (Total::more_than(1_000), 1_001)
        );
        assert_eq!(
            read_with(1_000, (990, 10), Some(next(1_000, (990, 10))), 100),
            (Total::exact(1_000), 1_000)
        );
        // Short of the bound, the probe still decides.
        assert_eq!(
            read_with(5_000, (0, 10), Some(next(5_000, (0, 10))), 100),
            (Total::more_than(100), 101)
        );
        assert_eq!(
            read_with(60, (0, 10), Some(next(60, (0, 10))), 100),
            (Total::exact(60), 101)
        );
        // No bound: always exact.
        assert_eq!(
            total_of(5_000, (0, 10), i64::MAX),
            (Total::exact(5_000), 5_000)
        );
    }
}
