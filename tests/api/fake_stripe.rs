//! A local fake of the two Stripe endpoints Tessera calls, on 127.0.0.1 (no test reaches the
//! internet), and signed webhook deliveries to the app under test.
//!
//! Like Stripe, a request repeated with the same `Idempotency-Key` gets the first answer again and
//! does nothing new: `charges()` counts the distinct charges made.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use poem::http::StatusCode;
use poem::listener::{Acceptor, Listener, TcpListener};
use poem::web::Data;
use poem::{EndpointExt, Request, Response, Route, Server, handler, post};
use serde_json::{Value, json};
use tessera::payments::signature;

use crate::helpers::TestApp;

pub const SECRET_KEY: &str = "sk_test_fake";
pub const WEBHOOK_SECRET: &str = "whsec_test_secret";

/// How the fake answers a charge.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Succeed,
    Decline,
    /// 500s to everything: Stripe is down.
    Down,
}

#[derive(Default)]
struct State {
    mode: Option<Mode>,
    answers: HashMap<String, (u16, Value)>,
    requests: Vec<(String, HashMap<String, String>, Option<String>)>,
    sessions: u64,
    charges: u64,
}

#[derive(Clone)]
pub struct FakeStripe {
    pub base: String,
    state: Arc<Mutex<State>>,
}

impl FakeStripe {
    pub async fn start() -> Self {
        let state = Arc::new(Mutex::new(State::default()));
        let app = Route::new()
            .at("/v1/checkout/sessions", post(sessions))
            .at("/v1/payment_intents", post(intents))
            .data(state.clone());
        let acceptor = TcpListener::bind("127.0.0.1:0")
            .into_acceptor()
            .await
            .expect("bind the fake Stripe");
        let addr = acceptor.local_addr()[0]
            .as_socket_addr()
            .cloned()
            .expect("a socket address");
        tokio::spawn(Server::new_with_acceptor(acceptor).run(app));
        FakeStripe {
            base: format!("http://{addr}"),
            state,
        }
    }

    pub fn set_mode(&self, mode: Mode) {
        self.state.lock().unwrap().mode = Some(mode);
    }

    /// Distinct charges made (repeats with one idempotency key count once).
    pub fn charges(&self) -> u64 {
        self.state.lock().unwrap().charges
    }

    /// Every request: path, form fields, idempotency key.
    pub fn requests(&self) -> Vec<(String, HashMap<String, String>, Option<String>)> {
        self.state.lock().unwrap().requests.clone()
    }
}

/// Records the request; answers a repeated idempotency key with the first answer.
fn remember(
    req: &Request,
    body: &str,
    state: &Mutex<State>,
    make: impl FnOnce(&mut State, &HashMap<String, String>) -> (u16, Value),
) -> Response {
    let form: HashMap<String, String> = serde_urlencoded::from_str(body).unwrap_or_default();
    let key = req
        .headers()
        .get("idempotency-key")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let auth = req
        .headers()
        .get("authorization")
        .and_then(|v| v.to_str().ok());
    let mut s = state.lock().unwrap();
    s.requests
        .push((req.uri().path().to_string(), form.clone(), key.clone()));
    let (status, value) = if auth != Some(&format!("Bearer {SECRET_KEY}")) {
        (401, json!({ "error": { "message": "Invalid API Key" } }))
    } else if s.mode == Some(Mode::Down) {
        (500, json!({ "error": { "message": "down" } }))
    } else {
        match key.as_ref().and_then(|k| s.answers.get(k)).cloned() {
            Some(previous) => previous,
            None => {
                let answer = make(&mut s, &form);
                if let Some(k) = key {
                    s.answers.insert(k, answer.clone());
                }
                answer
            }
        }
    };
    Response::builder()
        .status(StatusCode::from_u16(status).unwrap())
        .content_type("application/json")
        .body(value.to_string())
}

#[handler]
async fn sessions(req: &Request, body: String, Data(state): Data<&Arc<Mutex<State>>>) -> Response {
    remember(req, &body, state, |s, _| {
        s.sessions += 1;
        let id = format!("cs_test_{}", s.sessions);
        (
            200,
            json!({ "id": id, "object": "checkout.session", "url": format!("https://checkout.stripe.test/pay/{id}") }),
        )
    })
}

#[handler]
async fn intents(req: &Request, body: String, Data(state): Data<&Arc<Mutex<State>>>) -> Response {
    remember(req, &body, state, |s, form| {
        s.charges += 1;
        let id = format!("pi_auto_{}", s.charges);
        match s.mode.unwrap_or(Mode::Succeed) {
            Mode::Decline => (
                402,
                json!({ "error": { "type": "card_error", "code": "card_declined", "decline_code": "insufficient_funds", "message": "Your card has insufficient funds.", "payment_intent": { "id": id, "status": "requires_payment_method" } } }),
            ),
            _ => (
                200,
                json!({ "id": id, "object": "payment_intent", "status": "succeeded", "amount": form.get("amount"), "metadata": { "contribution_id": form.get("metadata[contribution_id]") } }),
            ),
        }
    })
}

/// An event as Stripe would send it.
pub fn event(id: &str, kind: &str, object: Value) -> Value {
    json!({ "id": id, "object": "event", "type": kind, "created": 1_700_000_000, "data": { "object": object } })
}

/// Delivers an event signed now (by the app's clock) to `app`; returns the HTTP status.
pub async fn deliver(app: &TestApp, event: &Value) -> u16 {
    let body = event.to_string();
    let header = signature::sign(
        body.as_bytes(),
        WEBHOOK_SECRET,
        app.clock().now().timestamp(),
    );
    deliver_raw(app, body, Some(header)).await
}

pub async fn deliver_raw(app: &TestApp, body: String, header: Option<String>) -> u16 {
    let mut req = app
        .client
        .post(format!("{}/webhooks/stripe", app.base))
        .header("content-type", "application/json")
        .body(body);
    if let Some(h) = header {
        req = req.header("Stripe-Signature", h);
    }
    req.send().await.expect("webhook request").status().as_u16()
}

/// Settings for an app that pays through this fake.
pub fn configure(s: &mut tessera::config::Settings, fake: &FakeStripe) {
    s.payments.provider = "stripe".into();
    s.payments.stripe.secret_key = SECRET_KEY.into();
    s.payments.stripe.webhook_secret = WEBHOOK_SECRET.into();
    s.payments.stripe.api_base = fake.base.clone();
    s.payments.stripe.success_url = "https://example.org/thanks".into();
    s.payments.stripe.cancel_url = "https://example.org/join".into();
    s.payments.stripe.timeout_secs = 5;
}
