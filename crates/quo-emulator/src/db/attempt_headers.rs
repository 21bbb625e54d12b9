//! The `attempt_headers` table: the request headers each attempt sent, signatures shortened
//! (an emulator addition for the dashboard).

use http::HeaderMap;
use sqlx::{QueryBuilder, Sqlite, SqliteConnection, SqlitePool};

/// Characters of each signature kept after its `v1,` prefix.
const SIGNATURE_PREFIX: usize = 8;

/// The headers of a request as a JSON array of `[name, value]`, each `webhook-signature`
/// shortened to its scheme and first characters, so no whole signature is ever stored.
pub(crate) fn describe(headers: &HeaderMap) -> String {
    let pairs: Vec<[String; 2]> = headers
        .iter()
        .map(|(name, value)| {
            let text = String::from_utf8_lossy(value.as_bytes());
            let shown = if name.as_str() == "webhook-signature" {
                shorten_signatures(&text)
            } else {
                text.into_owned()
            };
            [name.as_str().to_owned(), shown]
        })
        .collect();
    serde_json::to_string(&pairs).unwrap_or_else(|_| "[]".to_owned())
}

/// `v1,abcdefghijkl... v1,mnop...` becomes `v1,abcdefgh… v1,mnopqrst…`.
fn shorten_signatures(text: &str) -> String {
    text.split(' ')
        .filter(|s| !s.is_empty())
        .map(|signature| {
            let (scheme, rest) = signature.split_once(',').unwrap_or(("", signature));
            let kept: String = rest.chars().take(SIGNATURE_PREFIX).collect();
            let ellipsis = if rest.chars().count() > SIGNATURE_PREFIX {
                "…"
            } else {
                ""
            };
            if scheme.is_empty() {
                format!("{kept}{ellipsis}")
            } else {
                format!("{scheme},{kept}{ellipsis}")
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Records the headers of attempts, `(attempt id, headers)`, inside the caller's
/// transaction, a few hundred per statement, leaving out those whose attempt was not written
/// (its delivery is gone).
pub(crate) async fn insert_all(
    conn: &mut SqliteConnection,
    rows: &[(&str, &str)],
) -> Result<(), sqlx::Error> {
    for chunk in rows.chunks(500) {
        let mut query: QueryBuilder<'_, Sqlite> = QueryBuilder::new(
            "INSERT INTO attempt_headers (attempt_id, headers) SELECT column1, column2 FROM (",
        );
        query.push_values(chunk, |mut row, (id, headers)| {
            row.push_bind(*id).push_bind(*headers);
        });
        query.push(") WHERE EXISTS (SELECT 1 FROM attempts WHERE id = column1)");
        query.build().persistent(false).execute(&mut *conn).await?;
    }
    Ok(())
}

/// The recorded headers of every attempt of a delivery, most recent attempt first:
/// `(attempt id, JSON array of [name, value])`.
pub(crate) async fn list(
    pool: &SqlitePool,
    delivery_seq: i64,
) -> Result<Vec<(String, String)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT a.id, h.headers FROM attempts a JOIN attempt_headers h ON h.attempt_id = a.id \
         WHERE a.delivery_seq = $1 ORDER BY a.seq DESC",
    )
    .bind(delivery_seq)
    .fetch_all(pool)
    .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    #[test]
    fn signatures_are_shortened_and_other_headers_kept() {
        let mut headers = HeaderMap::new();
        headers.insert("webhook-id", HeaderValue::from_static("msg_abc"));
        headers.insert(
            "webhook-signature",
            HeaderValue::from_static("v1,K5oZfzN95Z9UVu1EsfQmfVNQhnkZ2pj9o9NDN/H/pI4= v1,short"),
        );
        let described: Vec<[String; 2]> = serde_json::from_str(&describe(&headers)).unwrap();
        assert_eq!(
            described[0],
            ["webhook-id".to_owned(), "msg_abc".to_owned()]
        );
        assert_eq!(
            described[1],
            [
                "webhook-signature".to_owned(),
                "v1,K5oZfzN9… v1,short".to_owned()
            ]
        );
        assert!(!describe(&headers).contains("pI4="));
    }
}
