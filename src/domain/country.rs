//! ISO 3166-1 alpha-2 country codes.

use super::FieldError;

/// The 249 officially assigned codes, plus `XK` (Kosovo), which banks and postal services use.
const CODES: &str = "AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ \
BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ \
CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ \
DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR \
GA GB GD GE GF GG GH GI GL GM GN GP GQ GR GS GT GU GW GY HK HM HN HR HT HU \
ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ \
LA LB LC LI LK LR LS LT LU LV LY \
MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ \
NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA \
RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ \
TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU \
WF WS XK YE YT ZA ZM ZW";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CountryCode([u8; 2]);

impl CountryCode {
    pub fn parse(raw: &str, field: &str) -> Result<Self, FieldError> {
        let code = raw.trim().to_ascii_uppercase();
        if code.len() == 2 && CODES.split(' ').any(|c| c == code) {
            let b = code.as_bytes();
            Ok(Self([b[0], b[1]]))
        } else {
            Err(FieldError::new(
                field,
                format!(
                    "`{}` is not an ISO 3166-1 alpha-2 country code such as US, GB or DE",
                    raw.trim()
                ),
            ))
        }
    }

    pub fn as_str(&self) -> &str {
        // Always two ASCII letters by construction.
        std::str::from_utf8(&self.0).unwrap_or("ZZ")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_is_complete_and_sorted() {
        let codes: Vec<&str> = CODES.split(' ').collect();
        assert_eq!(codes.len(), 250);
        let mut sorted = codes.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted, codes);
    }

    #[test]
    fn parses() {
        assert_eq!(
            CountryCode::parse(" gb ", "country").unwrap().as_str(),
            "GB"
        );
        assert_eq!(CountryCode::parse("US", "country").unwrap().as_str(), "US");
        for bad in ["", "UK", "USA", "zz", "1A"] {
            assert_eq!(
                CountryCode::parse(bad, "country").unwrap_err().field,
                "country",
                "{bad}"
            );
        }
    }
}
