//! Reading the cells of an imported spreadsheet: header names, dates in the orders people write
//! them, booleans and amounts. Pure: the import service maps columns to fields with these.

use chrono::NaiveDate;

use super::FieldError;

coded_enum! {
    /// What a file holds.
    pub enum ImportKind as "import kind" {
        Contacts = "contacts",
        Memberships = "memberships",
        Contributions = "contributions",
    }
}

/// A header reduced to what identifies it: `First Name`, `first_name` and `FIRSTNAME` all become
/// `firstname`.
pub fn header_key(raw: &str) -> String {
    raw.trim_start_matches('\u{feff}')
        .chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// How a file writes day, month and year when it does not use ISO `YYYY-MM-DD`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum DateOrder {
    /// `31/12/2024` (most of the world).
    Dmy,
    /// `12/31/2024` (the United States).
    Mdy,
    /// `2024/12/31`.
    Ymd,
}

/// A date cell: ISO `YYYY-MM-DD` (optionally followed by a time, as CiviCRM exports them) always;
/// otherwise three numbers separated by `/`, `.` or `-` in `order`. Without an order, such a date
/// is read only when it cannot be misread (`31/12/2024`, never `03/04/2024`).
pub fn parse_date(
    raw: &str,
    order: Option<DateOrder>,
    field: &str,
) -> Result<NaiveDate, FieldError> {
    let text = raw.trim();
    let date_part = text.split([' ', 'T']).next().unwrap_or("");
    let bad = |why: &str| FieldError::new(field, format!("`{text}` {why}"));
    let parts: Vec<&str> = date_part.split(['/', '.', '-']).collect();
    if parts.len() != 3
        || parts
            .iter()
            .any(|p| p.is_empty() || !p.bytes().all(|b| b.is_ascii_digit()))
    {
        return Err(bad("is not a date such as 2024-12-31"));
    }
    let n: Vec<u32> = parts.iter().map(|p| p.parse().unwrap_or(0)).collect();
    let (y, m, d) = if parts[0].len() == 4 {
        (n[0], n[1], n[2])
    } else {
        if parts[2].len() != 4 {
            return Err(bad("needs a four-digit year"));
        }
        match order {
            Some(DateOrder::Dmy) => (n[2], n[1], n[0]),
            Some(DateOrder::Mdy) => (n[2], n[0], n[1]),
            Some(DateOrder::Ymd) => {
                return Err(bad("is not in the year/month/day order the mapping gives"));
            }
            None if n[0] > 12 && n[1] <= 12 => (n[2], n[1], n[0]),
            None if n[1] > 12 && n[0] <= 12 => (n[2], n[0], n[1]),
            None => {
                return Err(bad(
                    "could be day/month or month/day: set date_order = \"DMY\" or \"MDY\" in the mapping",
                ));
            }
        }
    };
    i32::try_from(y)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, m, d))
        .ok_or_else(|| bad("is not a day of the calendar"))
}

/// A yes/no cell: yes/no, y/n, true/false, 1/0, x (ticked); empty is `None`.
pub fn parse_bool(raw: &str, field: &str) -> Result<Option<bool>, FieldError> {
    match raw.trim().to_lowercase().as_str() {
        "" => Ok(None),
        "yes" | "y" | "true" | "t" | "1" | "x" | "on" => Ok(Some(true)),
        "no" | "n" | "false" | "f" | "0" | "off" => Ok(Some(false)),
        other => Err(FieldError::new(
            field,
            format!("`{other}` is not yes/no, true/false or 1/0"),
        )),
    }
}

/// An amount cell as a plain decimal string (`1,234.50` → `1234.50`; with `decimal_comma`,
/// `1.234,50` → `1234.50`); currency symbols and spaces around it are dropped.
pub fn plain_amount(raw: &str, decimal_comma: bool) -> String {
    let kept: String = raw
        .trim()
        .chars()
        .filter(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '-'))
        .collect();
    if decimal_comma {
        kept.replace('.', "").replace(',', ".")
    } else {
        kept.replace(',', "")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn headers_compare_without_case_spaces_or_punctuation() {
        for raw in [
            "First Name",
            "first_name",
            "FIRSTNAME",
            "\u{feff}First-Name ",
        ] {
            assert_eq!(header_key(raw), "firstname", "{raw}");
        }
    }

    #[test]
    fn dates_in_every_accepted_shape() {
        use DateOrder::*;
        let cases = [
            ("iso", "2024-03-05", None, d(2024, 3, 5)),
            (
                "iso with a time (CiviCRM)",
                "2024-03-05 00:00:00",
                None,
                d(2024, 3, 5),
            ),
            ("iso with slashes", "2024/03/05", Some(Dmy), d(2024, 3, 5)),
            ("day first", "05/03/2024", Some(Dmy), d(2024, 3, 5)),
            ("day first with dots", "5.3.2024", Some(Dmy), d(2024, 3, 5)),
            ("month first", "03/05/2024", Some(Mdy), d(2024, 3, 5)),
            ("unambiguous day first", "31/12/2024", None, d(2024, 12, 31)),
            (
                "unambiguous month first",
                "12/31/2024",
                None,
                d(2024, 12, 31),
            ),
        ];
        for (why, raw, order, want) in cases {
            assert_eq!(parse_date(raw, order, "f"), Ok(want), "{why}");
        }
    }

    #[test]
    fn dates_that_are_refused() {
        let cases = [
            ("ambiguous without an order", "03/04/2024", None),
            ("two-digit year", "03/04/24", Some(DateOrder::Dmy)),
            ("not a day", "2024-02-30", None),
            ("words", "March 5th", None),
            ("empty", "", None),
        ];
        for (why, raw, order) in cases {
            let e = parse_date(raw, order, "joinDate").unwrap_err();
            assert_eq!(e.field, "joinDate", "{why}");
        }
    }

    #[test]
    fn booleans_and_amounts() {
        assert_eq!(parse_bool("Yes", "f"), Ok(Some(true)));
        assert_eq!(parse_bool("0", "f"), Ok(Some(false)));
        assert_eq!(parse_bool(" ", "f"), Ok(None));
        assert!(parse_bool("maybe", "f").is_err());
        assert_eq!(plain_amount("$1,234.50", false), "1234.50");
        assert_eq!(plain_amount("1.234,50 €", true), "1234.50");
        assert_eq!(plain_amount("50", false), "50");
    }
}
