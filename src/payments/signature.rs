//! Stripe webhook signatures: `Stripe-Signature: t=<unix time>,v1=<hex HMAC-SHA256>[,v1=…]` over
//! `"<t>.<raw body>"` with the endpoint's signing secret. Several `v1` values are sent while a
//! secret is being rotated; one matching is enough. The comparison is constant-time (`hmac`).

use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Why a webhook was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("missing or malformed Stripe-Signature header")]
    Malformed,
    #[error("the signature timestamp is outside the tolerance")]
    Stale,
    #[error("no signature matches")]
    Mismatch,
}

fn mac(secret: &str) -> Hmac<Sha256> {
    // HMAC takes a key of any length; this cannot fail.
    <Hmac<Sha256> as Mac>::new_from_slice(secret.as_bytes()).unwrap_or_else(|_| unreachable!())
}

/// Checks `header` for `payload` at unix time `now`, allowing `tolerance_secs` either way.
pub fn verify(
    payload: &[u8],
    header: &str,
    secret: &str,
    now: i64,
    tolerance_secs: i64,
) -> Result<(), SignatureError> {
    let mut timestamp: Option<i64> = None;
    let mut signatures: Vec<Vec<u8>> = Vec::new();
    for part in header.split(',').take(32) {
        match part.trim().split_once('=') {
            Some(("t", t)) => timestamp = t.parse().ok(),
            Some(("v1", sig)) => {
                if let Ok(bytes) = hex::decode(sig) {
                    signatures.push(bytes);
                }
            }
            _ => {}
        }
    }
    let (Some(t), false) = (timestamp, signatures.is_empty()) else {
        return Err(SignatureError::Malformed);
    };
    if (now - t).abs() > tolerance_secs {
        return Err(SignatureError::Stale);
    }
    let matches = signatures.iter().any(|sig| {
        let mut m = mac(secret);
        m.update(t.to_string().as_bytes());
        m.update(b".");
        m.update(payload);
        m.verify_slice(sig).is_ok()
    });
    if matches {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// The header Stripe would send for `payload` at `t` (tests and the local fake use it).
pub fn sign(payload: &[u8], secret: &str, t: i64) -> String {
    let mut m = mac(secret);
    m.update(t.to_string().as_bytes());
    m.update(b".");
    m.update(payload);
    format!("t={t},v1={}", hex::encode(m.finalize().into_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "whsec_test_secret";

    #[test]
    fn accepts_what_was_signed_and_nothing_else() {
        let body = br#"{"id":"evt_1"}"#;
        let header = sign(body, SECRET, 1_000);
        assert_eq!(verify(body, &header, SECRET, 1_010, 300), Ok(()));
        assert_eq!(
            verify(br#"{"id":"evt_2"}"#, &header, SECRET, 1_010, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(body, &header, "whsec_other", 1_010, 300),
            Err(SignatureError::Mismatch)
        );
        assert_eq!(
            verify(body, &header, SECRET, 1_301, 300),
            Err(SignatureError::Stale)
        );
        assert_eq!(
            verify(body, &header, SECRET, 699, 300),
            Err(SignatureError::Stale)
        );
        for bad in ["", "t=1000", "v1=abcd", "t=x,v1=00", "garbage"] {
            assert_eq!(
                verify(body, bad, SECRET, 1_000, 300),
                Err(SignatureError::Malformed),
                "{bad}"
            );
        }
        // A different timestamp in the header breaks the signature.
        let forged = header.replace("t=1000", "t=1005");
        assert_eq!(
            verify(body, &forged, SECRET, 1_005, 300),
            Err(SignatureError::Mismatch)
        );
    }

    #[test]
    fn one_matching_signature_of_several_is_enough() {
        let body = b"{}";
        let good = sign(body, SECRET, 50);
        let good_sig = good.split("v1=").nth(1).unwrap();
        let rotated = format!("t=50,v1={},v1={good_sig},v0=deadbeef", "ab".repeat(32));
        assert_eq!(verify(body, &rotated, SECRET, 50, 300), Ok(()));
    }
}
