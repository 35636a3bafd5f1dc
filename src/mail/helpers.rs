//! Handlebars helpers for the email templates: `date`, `money`, and strict replacements for the
//! built-in `if` and `unless` (see the notes at the top of `templates.rs` for why).

use chrono::{Datelike, NaiveDate};
use handlebars::{
    Context, Handlebars, Helper, HelperDef, HelperResult, JsonTruthy, Output, RenderContext,
    RenderError, RenderErrorReason, Renderable, ScopedJson,
};
use serde_json::Value;

/// Registers every helper on `reg`. Both registries (HTML and text) get the same set.
pub(crate) fn register(reg: &mut Handlebars<'static>) {
    reg.register_helper("date", Box::new(DateHelper));
    reg.register_helper("money", Box::new(MoneyHelper));
    reg.register_helper("detail", Box::new(super::blocks::DetailHelper));
    reg.register_helper("button", Box::new(super::blocks::ButtonHelper));
    // Registering under the built-in names replaces them for every template, `{{else if}}` included.
    reg.register_helper("if", Box::new(StrictIf { positive: true }));
    reg.register_helper("unless", Box::new(StrictIf { positive: false }));
}

static NULL: Value = Value::Null;

/// Parameter `idx` of helper `name`. An omitted optional parameter reads as null; in strict mode
/// a parameter naming a variable that does not exist is an error, exactly like `{{name}}` would be.
pub(super) fn param<'a>(
    h: &'a Helper<'_>,
    r: &Handlebars<'_>,
    name: &'static str,
    idx: usize,
    required: bool,
) -> Result<&'a Value, RenderError> {
    match h.param(idx) {
        Some(p) if r.strict_mode() && p.is_value_missing() => {
            Err(RenderErrorReason::MissingVariable(p.relative_path().cloned()).into())
        }
        Some(p) => Ok(p.value()),
        None if required => Err(RenderErrorReason::ParamNotFoundForIndex(name, idx).into()),
        None => Ok(&NULL),
    }
}

/// `{{date value language}}`: a `YYYY-MM-DD` string written out for the language; null gives "".
struct DateHelper;

impl HelperDef for DateHelper {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        let value = param(h, r, "date", 0, true)?;
        let lang = param(h, r, "date", 1, false)?.as_str().unwrap_or("en");
        let text = match value {
            Value::Null => String::new(),
            Value::String(s) => format_date(s, lang).ok_or_else(|| {
                RenderErrorReason::Other(format!("date: {s:?} is not a YYYY-MM-DD date"))
            })?,
            _ => return Err(RenderErrorReason::InvalidParamType("date string or null").into()),
        };
        // Returned as a value (not written to `out`) so the registry's escaping applies as usual.
        Ok(ScopedJson::Derived(Value::String(text)))
    }
}

/// `{{money amount currency language}}`: e.g. "$50.00" (en) or "50,00 €" (fr); null amount gives "".
struct MoneyHelper;

impl HelperDef for MoneyHelper {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        let amount = match param(h, r, "money", 0, true)? {
            Value::Null => return Ok(ScopedJson::Derived(Value::String(String::new()))),
            Value::String(s) => s.clone(),
            Value::Number(n) => format!("{:.2}", n.as_f64().unwrap_or_default()),
            _ => return Err(RenderErrorReason::InvalidParamType("amount string or number").into()),
        };
        let currency = param(h, r, "money", 1, false)?.as_str().unwrap_or("");
        let lang = param(h, r, "money", 2, false)?.as_str().unwrap_or("en");
        Ok(ScopedJson::Derived(Value::String(format_money(
            &amount, currency, lang,
        ))))
    }
}

/// `if`/`unless` that, in strict mode, fail on a variable that does not exist instead of treating
/// it as false. A present-but-null value is still simply false.
struct StrictIf {
    positive: bool,
}

impl HelperDef for StrictIf {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let name = if self.positive { "if" } else { "unless" };
        let value = param(h, r, name, 0, true)?;
        let include_zero = h
            .hash_get("includeZero")
            .and_then(|v| v.value().as_bool())
            .unwrap_or(false);
        let branch = if value.is_truthy(include_zero) == self.positive {
            h.template()
        } else {
            h.inverse()
        };
        match branch {
            Some(t) => t.render(r, ctx, rc, out),
            None => Ok(()),
        }
    }
}

/// The primary language subtag in lower case: "fr-CA" and "fr_ca" both give "fr".
fn primary_language(tag: &str) -> String {
    tag.split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// Month names per language, January first.
const MONTHS: &[(&str, &str)] = &[
    (
        "en",
        "January February March April May June July August September October November December",
    ),
    (
        "fr",
        "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
    ),
    (
        "de",
        "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
    ),
    (
        "es",
        "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
    ),
    (
        "nl",
        "januari februari maart april mei juni juli augustus september oktober november december",
    ),
    (
        "pt",
        "janeiro fevereiro março abril maio junho julho agosto setembro outubro novembro dezembro",
    ),
    (
        "it",
        "gennaio febbraio marzo aprile maggio giugno luglio agosto settembre ottobre novembre dicembre",
    ),
];

/// Formats a `YYYY-MM-DD` date for a language tag; unknown languages get English.
/// Returns `None` when `iso` is not a valid date.
pub(crate) fn format_date(iso: &str, lang: &str) -> Option<String> {
    // `FromStr` reads `YYYY-MM-DD` without interpreting a format string on every call.
    let date: NaiveDate = iso.parse().ok()?;
    let lang = primary_language(lang);
    let (lang, months) = MONTHS
        .iter()
        .find(|(code, _)| *code == lang)
        .unwrap_or(&MONTHS[0]);
    let (d, y) = (date.day(), date.year());
    let month = months
        .split(' ')
        .nth(date.month0() as usize)
        .unwrap_or_default();
    Some(match *lang {
        // French writes the first of the month as an ordinal: "1er mars".
        "fr" if d == 1 => format!("1er {month} {y}"),
        "fr" | "nl" | "it" => format!("{d} {month} {y}"),
        "de" => format!("{d}. {month} {y}"),
        "es" | "pt" => format!("{d} de {month} de {y}"),
        _ => format!("{month} {d}, {y}"),
    })
}

/// Formats an amount (already a decimal string such as "50.00") with its currency.
/// English puts the symbol of USD/EUR/GBP in front; the other supported languages use a decimal
/// comma and put the symbol after. Currencies without a symbol here are written as their code.
pub(crate) fn format_money(amount: &str, currency: &str, lang: &str) -> String {
    let code = currency.trim().to_ascii_uppercase();
    let symbol = match code.as_str() {
        "USD" => Some("$"),
        "EUR" => Some("€"),
        "GBP" => Some("£"),
        _ => None,
    };
    let lang = primary_language(lang);
    if matches!(lang.as_str(), "fr" | "de" | "es" | "nl" | "pt" | "it") {
        let amount = amount.replace('.', ",");
        return match (symbol, code.is_empty()) {
            (Some(s), _) => format!("{amount} {s}"),
            (None, true) => amount,
            (None, false) => format!("{amount} {code}"),
        };
    }
    match (symbol, code.is_empty()) {
        // A refund reads "-$5.00", not "$-5.00".
        (Some(s), _) => match amount.strip_prefix('-') {
            Some(abs) => format!("-{s}{abs}"),
            None => format!("{s}{amount}"),
        },
        (None, true) => amount.to_string(),
        (None, false) => format!("{amount} {code}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_per_language() {
        let cases = [
            ("2025-03-14", "en", "March 14, 2025"),
            ("2025-03-14", "fr", "14 mars 2025"),
            ("2025-03-14", "de", "14. März 2025"),
            ("2025-03-14", "es", "14 de marzo de 2025"),
            ("2025-03-14", "nl", "14 maart 2025"),
            ("2025-03-14", "pt", "14 de março de 2025"),
            ("2025-03-14", "it", "14 marzo 2025"),
            ("2025-03-01", "fr", "1er mars 2025"),
            ("2025-08-01", "fr-CA", "1er août 2025"),
            ("2025-12-25", "pt_BR", "25 de dezembro de 2025"),
            ("2025-03-14", "EN-gb", "March 14, 2025"),
            ("2025-03-14", "sv", "March 14, 2025"),
            ("2025-03-14", "", "March 14, 2025"),
        ];
        for (iso, lang, want) in cases {
            assert_eq!(
                format_date(iso, lang).as_deref(),
                Some(want),
                "{iso} {lang}"
            );
        }
    }

    #[test]
    fn bad_dates_are_rejected() {
        for bad in ["", "2025-02-30", "14/03/2025", "2025-03-14T10:00:00Z"] {
            assert_eq!(format_date(bad, "en"), None, "{bad}");
        }
    }

    #[test]
    fn money_per_language() {
        let cases = [
            ("50.00", "USD", "en", "$50.00"),
            ("50.00", "EUR", "en", "€50.00"),
            ("50.00", "GBP", "en", "£50.00"),
            ("50.00", "CHF", "en", "50.00 CHF"),
            ("50.00", "usd", "en-US", "$50.00"),
            ("-5.00", "USD", "en", "-$5.00"),
            ("50.00", "", "en", "50.00"),
            ("50.00", "EUR", "fr", "50,00 €"),
            ("50.00", "EUR", "de", "50,00 €"),
            ("50.00", "USD", "es", "50,00 $"),
            ("50.00", "GBP", "nl", "50,00 £"),
            ("50.00", "CHF", "it", "50,00 CHF"),
            ("1250.50", "EUR", "pt", "1250,50 €"),
            ("50.00", "", "fr", "50,00"),
            ("50.00", "EUR", "ja", "€50.00"),
        ];
        for (amount, currency, lang, want) in cases {
            assert_eq!(
                format_money(amount, currency, lang),
                want,
                "{amount} {currency} {lang}"
            );
        }
    }

    fn strict() -> Handlebars<'static> {
        let mut h = Handlebars::new();
        h.set_strict_mode(true);
        register(&mut h);
        h
    }

    #[test]
    fn helpers_in_templates() {
        let h = strict();
        let data = serde_json::json!({
            "d": "2025-03-14", "n": null, "l": "de", "a": "50.00", "c": "EUR", "num": 7.5, "zero": 0
        });
        let cases = [
            ("{{date d l}}", "14. März 2025"),
            ("{{date d}}", "March 14, 2025"),
            ("[{{date n l}}]", "[]"),
            ("{{money a c l}}", "50,00 €"),
            ("{{money num c}}", "€7.50"),
            ("[{{money n c l}}]", "[]"),
            ("{{#if n}}y{{else}}n{{/if}}", "n"),
            ("{{#unless n}}u{{/unless}}", "u"),
            ("{{#if zero}}y{{else}}n{{/if}}", "n"),
            ("{{#if zero includeZero=true}}y{{else}}n{{/if}}", "y"),
            ("{{#if n}}a{{else if d}}b{{/if}}", "b"),
        ];
        for (tpl, want) in cases {
            assert_eq!(h.render_template(tpl, &data).expect(tpl), want, "{tpl}");
        }
    }

    #[test]
    fn missing_variables_fail_in_helpers() {
        let h = strict();
        let data = serde_json::json!({ "d": "2025-03-14", "o": null });
        for tpl in [
            "{{date nope}}",
            "{{date d lang}}",
            "{{money nope}}",
            "{{#if nope}}x{{/if}}",
            "{{#unless nope}}x{{/unless}}",
            "{{#if o}}{{else if nope}}x{{/if}}",
            "{{#if o.inner}}x{{/if}}",
            "{{date \"not a date\"}}",
        ] {
            assert!(h.render_template(tpl, &data).is_err(), "{tpl} should fail");
        }
    }
}
