//! Money as integer minor units with an ISO 4217 currency. Amounts travel through the API as decimal
//! strings ("50.00") and are never floats.

use super::FieldError;

/// Active ISO 4217 codes with a minor-unit exponent other than 2.
const EXPONENT_0: &str = "BIF CLP DJF GNF ISK JPY KMF KRW PYG RWF UGX UYI VND VUV XAF XOF XPF";
const EXPONENT_3: &str = "BHD IQD JOD KWD LYD OMR TND";
/// Active ISO 4217 codes with two decimals.
const EXPONENT_2: &str = "AED AFN ALL AMD ANG AOA ARS AUD AWG AZN BAM BBD BDT BGN BMD BND BOB BRL BSD BTN BWP BYN \
BZD CAD CDF CHF CNY COP CRC CUP CVE CZK DKK DOP DZD EGP ERN ETB EUR FJD FKP GBP GEL GHS GIP GMD GTQ GYD HKD HNL HTG \
HUF IDR ILS INR IRR JMD KES KGS KHR KPW KYD KZT LAK LBP LKR LRD LSL MAD MDL MGA MKD MMK MNT MOP MRU MUR MVR MWK MXN \
MYR MZN NAD NGN NIO NOK NPR NZD PAB PEN PGK PHP PKR PLN QAR RON RSD RUB SAR SBD SCR SDG SEK SGD SHP SLE SOS SRD SSP \
STN SVC SYP SZL THB TJS TMT TOP TRY TTD TWD TZS UAH USD UYU UZS VES WST XCD YER ZAR ZMW ZWG";

/// An ISO 4217 currency code with its number of decimals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Currency {
    code: [u8; 3],
    exponent: u32,
}

impl Currency {
    pub fn parse(raw: &str, field: &str) -> Result<Self, FieldError> {
        let code = raw.trim().to_ascii_uppercase();
        let listed = |list: &str| list.split(' ').any(|c| c == code);
        let exponent = if listed(EXPONENT_2) {
            2
        } else if listed(EXPONENT_0) {
            0
        } else if listed(EXPONENT_3) {
            3
        } else {
            return Err(FieldError::new(
                field,
                format!(
                    "`{}` is not an ISO 4217 currency code such as USD, EUR or GBP",
                    raw.trim()
                ),
            ));
        };
        let b = code.as_bytes();
        Ok(Self {
            code: [b[0], b[1], b[2]],
            exponent,
        })
    }

    pub fn code(&self) -> &str {
        std::str::from_utf8(&self.code).unwrap_or("XXX")
    }

    pub fn exponent(&self) -> u32 {
        self.exponent
    }
}

/// Largest amount accepted, in minor units (a trillion in two-decimal currencies).
const MAX_MINOR: i64 = 100_000_000_000_000;

/// An amount in minor units (cents) of a currency.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    pub fn from_minor(minor: i64, currency: Currency) -> Self {
        Self { minor, currency }
    }

    /// Parses a decimal string such as "50", "50.5" or "50.00" with at most the currency's decimals.
    /// Negative amounts are refused unless `allow_negative`.
    pub fn parse(
        raw: &str,
        currency: Currency,
        field: &str,
        allow_negative: bool,
    ) -> Result<Self, FieldError> {
        let text = raw.trim();
        let bad = || FieldError::new(field, format!("`{text}` is not an amount such as 50.00"));
        let (negative, digits) = match text.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, text),
        };
        if negative && !allow_negative {
            return Err(FieldError::new(field, "must not be negative"));
        }
        let (whole, frac) = digits.split_once('.').unwrap_or((digits, ""));
        if whole.is_empty()
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        if digits.contains('.') && frac.is_empty() {
            return Err(bad());
        }
        let exp = currency.exponent as usize;
        if frac.len() > exp {
            return Err(FieldError::new(
                field,
                format!("{} allows at most {exp} decimals", currency.code()),
            ));
        }
        let scale = 10i64.pow(currency.exponent);
        let whole: i64 = whole.parse().map_err(|_| bad())?;
        let frac_value: i64 = if frac.is_empty() {
            0
        } else {
            format!("{frac:0<exp$}").parse().map_err(|_| bad())?
        };
        let minor = whole
            .checked_mul(scale)
            .and_then(|w| w.checked_add(frac_value))
            .filter(|m| *m <= MAX_MINOR)
            .ok_or_else(|| FieldError::new(field, "is too large"))?;
        Ok(Self {
            minor: if negative { -minor } else { minor },
            currency,
        })
    }

    pub fn minor(&self) -> i64 {
        self.minor
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The amount as a decimal string with the currency's decimals, e.g. "50.00".
    pub fn to_decimal_string(&self) -> String {
        format_minor(self.minor, self.currency.exponent)
    }
}

/// Formats minor units with `exponent` decimals.
pub fn format_minor(minor: i64, exponent: u32) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let abs = minor.unsigned_abs();
    if exponent == 0 {
        return format!("{sign}{abs}");
    }
    let scale = 10u64.pow(exponent);
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = exponent as usize
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cur(c: &str) -> Currency {
        Currency::parse(c, "currency").unwrap()
    }

    #[test]
    fn currencies() {
        assert_eq!(cur("usd").code(), "USD");
        assert_eq!(cur("JPY").exponent(), 0);
        assert_eq!(cur("KWD").exponent(), 3);
        for bad in ["", "US", "DOLLAR", "XYZ"] {
            assert!(Currency::parse(bad, "currency").is_err(), "{bad}");
        }
    }

    #[test]
    fn parse_and_format_round_trip() {
        for (input, currency, minor, shown) in [
            ("50", "USD", 5000, "50.00"),
            ("50.5", "EUR", 5050, "50.50"),
            ("0.01", "GBP", 1, "0.01"),
            ("1000", "JPY", 1000, "1000"),
            ("1.234", "KWD", 1234, "1.234"),
            (" 12.30 ", "USD", 1230, "12.30"),
        ] {
            let m = Money::parse(input, cur(currency), "amount", false).unwrap();
            assert_eq!(
                (m.minor(), m.to_decimal_string().as_str()),
                (minor, shown),
                "{input} {currency}"
            );
        }
    }

    #[test]
    fn rejects_bad_amounts_naming_the_field() {
        for (input, currency) in [
            ("", "USD"),
            ("abc", "USD"),
            ("1.234", "USD"),
            ("1.5", "JPY"),
            ("-5", "USD"),
            ("1e3", "USD"),
            ("5.", "USD"),
            (".5", "USD"),
            ("99999999999999999999", "USD"),
        ] {
            assert_eq!(
                Money::parse(input, cur(currency), "minimumFee", false)
                    .unwrap_err()
                    .field,
                "minimumFee",
                "{input}"
            );
        }
        assert_eq!(
            Money::parse("-5", cur("USD"), "amount", true)
                .unwrap()
                .minor(),
            -500
        );
        assert_eq!(format_minor(-505, 2), "-5.05");
    }
}
