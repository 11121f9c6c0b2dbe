//! Dates in the Japanese era form (和暦) that municipal contracts use: 令和9年4月1日.

use chrono::{Datelike, NaiveDate};

/// Eras from the Meiji restoration's calendar reform, newest first: (name, the letter
/// officers abbreviate it with, as in `R9.4.1`, first day).
pub(crate) const ERAS: &[(&str, char, (i32, u32, u32))] = &[
    ("令和", 'R', (2019, 5, 1)),
    ("平成", 'H', (1989, 1, 8)),
    ("昭和", 'S', (1926, 12, 25)),
    ("大正", 'T', (1912, 7, 30)),
    ("明治", 'M', (1873, 1, 1)),
];

/// `令和9年4月1日`; the first year of an era is written 元年, as official documents do.
/// Dates before 1873 (the lunar calendar) are written in the Western calendar.
pub fn format_wareki(date: NaiveDate) -> String {
    for (name, _, (y, m, d)) in ERAS {
        let start = NaiveDate::from_ymd_opt(*y, *m, *d).expect("era start dates are valid");
        if date >= start {
            let year = date.year() - y + 1;
            let year = if year == 1 {
                "元".to_string()
            } else {
                year.to_string()
            };
            return format!("{name}{year}年{}月{}日", date.month(), date.day());
        }
    }
    format!("{}年{}月{}日", date.year(), date.month(), date.day())
}

/// `1 April 2027`, the English counterpart used in English documents.
pub fn format_english(date: NaiveDate) -> String {
    date.format("%-d %B %Y").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn reiwa_dates() {
        assert_eq!(format_wareki(d(2027, 4, 1)), "令和9年4月1日");
        assert_eq!(format_wareki(d(2026, 11, 26)), "令和8年11月26日");
        assert_eq!(format_wareki(d(2020, 1, 1)), "令和2年1月1日");
    }

    #[test]
    fn first_year_is_gannen_and_era_boundaries_are_exact() {
        assert_eq!(format_wareki(d(2019, 5, 1)), "令和元年5月1日");
        assert_eq!(format_wareki(d(2019, 4, 30)), "平成31年4月30日");
        assert_eq!(format_wareki(d(1989, 1, 7)), "昭和64年1月7日");
        assert_eq!(format_wareki(d(1989, 1, 8)), "平成元年1月8日");
    }

    #[test]
    fn english_dates() {
        assert_eq!(format_english(d(2027, 4, 1)), "1 April 2027");
    }
}
