use chrono::NaiveDate;

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

#[cfg(test)]
mod tests {
    use super::*;

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
