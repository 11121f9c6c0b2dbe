use chrono::NaiveDate;

use super::wareki::ERAS;

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("not a valid calendar date (YYYY-MM-DD, e.g. 2027-04-01)")]
pub struct InvalidDate;

/// ISO 8601 calendar date, strictly `YYYY-MM-DD`: `2027-02-30` and `2027-4-1` are refused.
pub fn parse_iso_date(input: &str) -> Result<NaiveDate, InvalidDate> {
    let s = input.trim();
    if s.len() != 10 {
        return Err(InvalidDate);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| InvalidDate)
}

/// Full-width digits, letters and separators as their ASCII counterparts (what an IME
/// types by default), other characters as they are.
pub fn half_width(c: char) -> char {
    match c {
        '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' | '／' | '．' | '－' => {
            char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
        }
        '−' | '‐' | 'ー' => '-',
        _ => c,
    }
}

/// A date as officers type it in a form: `2027-04-01`, `2027/4/1`, `2027.4.1`,
/// `2027年4月1日`, `令和9年4月1日` (元年 for the first year), `R9.4.1`, `R9/4/1`, with
/// full-width digits too. A date that does not exist (`2027-02-30`), or an era year
/// outside its era (`平成32年`), is refused.
pub fn parse_typed_date(input: &str) -> Result<NaiveDate, InvalidDate> {
    let text: String = input
        .trim()
        .chars()
        .map(half_width)
        .filter(|c| !c.is_whitespace())
        .collect();
    let (era, rest) = match ERAS.iter().find_map(|e| {
        text.strip_prefix(e.0)
            .or_else(|| text.strip_prefix(e.1))
            .or_else(|| text.strip_prefix(e.1.to_ascii_lowercase()))
            .map(|rest| (Some(*e), rest))
    }) {
        Some(found) => found,
        None => (None, text.as_str()),
    };
    let rest = rest.replacen("元", "1", usize::from(era.is_some()));
    let numbers: Vec<&str> = rest
        .trim_end_matches('日')
        .split(['-', '/', '.', '年', '月'])
        .collect();
    let [y, m, d] = numbers.as_slice() else {
        return Err(InvalidDate);
    };
    let number = |s: &str, max_len: usize| -> Result<u32, InvalidDate> {
        if s.is_empty() || s.len() > max_len || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(InvalidDate);
        }
        s.parse().map_err(|_| InvalidDate)
    };
    let (month, day) = (number(m, 2)?, number(d, 2)?);
    let year = match era {
        None => number(y, 4).and_then(|y| {
            if y >= 1000 {
                Ok(y as i32)
            } else {
                Err(InvalidDate)
            }
        })?,
        Some((_, _, (start_year, _, _))) => {
            let n = number(y, 2)?;
            if n == 0 {
                return Err(InvalidDate);
            }
            start_year + n as i32 - 1
        }
    };
    let date = NaiveDate::from_ymd_opt(year, month, day).ok_or(InvalidDate)?;
    if let Some((name, _, (y0, m0, d0))) = era {
        let start = NaiveDate::from_ymd_opt(y0, m0, d0).ok_or(InvalidDate)?;
        // The next (newer) era's first day ends this one.
        let end = ERAS
            .iter()
            .take_while(|e| e.0 != name)
            .last()
            .and_then(|e| NaiveDate::from_ymd_opt(e.2 .0, e.2 .1, e.2 .2));
        if date < start || end.is_some_and(|end| date >= end) {
            return Err(InvalidDate);
        }
    }
    Ok(date)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn dates_as_officers_type_them() {
        for typed in [
            "2027-04-01",
            "2027-4-1",
            "2027/04/01",
            "2027/4/1",
            "2027.4.1",
            "2027年4月1日",
            "令和9年4月1日",
            "令和９年４月１日",
            "R9.4.1",
            "r9/4/1",
            "Ｒ９．４．１",
            "２０２７／０４／０１",
            " 令和 9年 4月 1日 ",
        ] {
            assert_eq!(parse_typed_date(typed), Ok(ymd(2027, 4, 1)), "{typed}");
        }
        assert_eq!(parse_typed_date("令和元年5月1日"), Ok(ymd(2019, 5, 1)));
        assert_eq!(parse_typed_date("平成31年4月30日"), Ok(ymd(2019, 4, 30)));
        assert_eq!(parse_typed_date("H31.4.30"), Ok(ymd(2019, 4, 30)));
        assert_eq!(parse_typed_date("S64.1.7"), Ok(ymd(1989, 1, 7)));
    }

    #[test]
    fn dates_that_do_not_exist_or_leave_their_era_are_refused() {
        for typed in [
            "2027-02-30",
            "令和9年2月30日",
            "平成31年5月1日",
            "平成32年1月1日",
            "令和元年4月30日",
            "R0.4.1",
            "27-4-1",
            "2027-4",
            "2027-4-1-1",
            "令和9年",
            "X9.4.1",
            "",
            "2027-04-01T00:00",
        ] {
            assert_eq!(parse_typed_date(typed), Err(InvalidDate), "{typed}");
        }
    }

    #[test]
    fn strict_iso_dates() {
        assert_eq!(
            parse_iso_date("2027-04-01"),
            Ok(NaiveDate::from_ymd_opt(2027, 4, 1).unwrap())
        );
        for bad in [
            "2027-02-30",
            "2027-4-1",
            "01/04/2027",
            "",
            "2027-04-01T00:00:00",
        ] {
            assert_eq!(parse_iso_date(bad), Err(InvalidDate), "{bad}");
        }
    }
}
