//! HTML building blocks for the message templates, as helpers rather than partials with arguments:
//! handlebars-rust copies the whole render context for every partial called with hash arguments
//! (a large share of the time to render bulk mail), and strict mode does not check those arguments,
//! so a misspelled name there rendered as an empty cell. A helper's parameters are checked.
//!
//! - `{{detail "Label" value}}`: one row of a label/value table.
//! - `{{button url "Label"}}`: a call-to-action button, with the address spelled out below it for
//!   mail clients that hide buttons.

use handlebars::{
    Context, Handlebars, Helper, HelperDef, HelperResult, Output, RenderContext, html_escape,
};
use serde_json::Value;

use super::helpers::param;

fn text(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

pub(super) struct DetailHelper;

impl HelperDef for DetailHelper {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let label = html_escape(&text(param(h, r, "detail", 0, true)?));
        let value = html_escape(&text(param(h, r, "detail", 1, true)?));
        out.write(&format!(
            "<tr><td style=\"padding:3px 20px 3px 0;color:#666666;vertical-align:top;\">{label}</td>\
             <td style=\"padding:3px 0;vertical-align:top;\">{value}</td></tr>"
        ))?;
        Ok(())
    }
}

pub(super) struct ButtonHelper;

impl HelperDef for ButtonHelper {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let url = html_escape(&text(param(h, r, "button", 0, true)?));
        let label = html_escape(&text(param(h, r, "button", 1, true)?));
        out.write(&format!(
            "<table role=\"presentation\" cellpadding=\"0\" cellspacing=\"0\" border=\"0\" style=\"margin:24px 0;\">\n\
             <tr><td style=\"border-radius:6px;background-color:#2f6f4e;\"><a href=\"{url}\" style=\"display:inline-block;\
             padding:12px 24px;font-family:Arial,Helvetica,sans-serif;font-size:16px;font-weight:bold;color:#ffffff;\
             text-decoration:none;\">{label}</a></td></tr>\n</table>\n\
             <p style=\"margin:0 0 16px;font-size:13px;color:#666666;\">If the button does not work, copy this address \
             into your browser:<br><a href=\"{url}\" style=\"color:#2f6f4e;word-break:break-all;\">{url}</a></p>"
        ))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn registry() -> Handlebars<'static> {
        let mut reg = Handlebars::new();
        reg.set_strict_mode(true);
        reg.register_helper("detail", Box::new(DetailHelper));
        reg.register_helper("button", Box::new(ButtonHelper));
        reg
    }

    #[test]
    fn rows_and_buttons_escape_their_values() {
        let reg = registry();
        let row = reg
            .render_template(
                "{{detail \"Name\" who}}",
                &json!({ "who": "O'Brien & <Sons>" }),
            )
            .unwrap();
        assert!(
            row.contains(">Name</td>") && row.contains("O&#x27;Brien &amp; &lt;Sons&gt;"),
            "{row}"
        );
        let button = reg
            .render_template(
                "{{button url \"Go\"}}",
                &json!({ "url": "https://x.org/?a=1&b=2" }),
            )
            .unwrap();
        // `=` is escaped too (as handlebars does everywhere); browsers read it back as `=`.
        assert!(
            button.contains("href=\"https://x.org/?a&#x3D;1&amp;b&#x3D;2\"")
                && button.contains(">Go</a>"),
            "{button}"
        );
        assert_eq!(
            reg.render_template("{{detail \"Empty\" nothing}}", &json!({ "nothing": null }))
                .unwrap()
                .matches("</td>")
                .count(),
            2
        );
    }

    #[test]
    fn misspelled_values_fail_in_strict_mode() {
        let reg = registry();
        assert!(
            reg.render_template(
                "{{detail \"Type\" membership.typeNam}}",
                &json!({ "membership": { "typeName": "x" } })
            )
            .is_err()
        );
        assert!(
            reg.render_template("{{button link \"Go\"}}", &json!({}))
                .is_err()
        );
    }
}
