//! Credentials out of what is printed: the user and password of a URL never appear in an
//! error, a log line, a response body or `--help`.

/// `url` with its userinfo (`user:password@`) replaced by `***@`; anything else unchanged.
/// Works on text that does not parse as a URL too (an error message that quotes one).
pub(crate) fn url(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_owned();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}***@{}", &url[..scheme_end + 3], &rest[at + 1..]),
        None => url.to_owned(),
    }
}

/// `text` with each of `urls` redacted with [`url`], and their userinfo and password replaced
/// wherever else they appear.
pub(crate) fn text(text: &str, urls: &[&str]) -> String {
    let mut out = text.to_owned();
    for u in urls {
        if let Some(userinfo) = userinfo(u) {
            out = out.replace(u, &url(u));
            // The userinfo, then the password alone, wherever else they are quoted.
            let password = userinfo.split_once(':').map_or("", |(_, p)| p);
            for secret in [userinfo, password] {
                if !secret.is_empty() {
                    out = out.replace(secret, "***");
                }
            }
        }
    }
    out
}

/// The userinfo of `url`, if it has one.
fn userinfo(url: &str) -> Option<&str> {
    let rest = &url[url.find("://")? + 3..];
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let at = rest[..authority_end].rfind('@')?;
    Some(&rest[..at])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn userinfo_is_replaced_and_the_rest_kept() {
        assert_eq!(url("redis://:hunter2@db:6379/0"), "redis://***@db:6379/0");
        assert_eq!(
            url("http://user:p%40ss@svc.internal:8080/hook?x=1"),
            "http://***@svc.internal:8080/hook?x=1"
        );
        assert_eq!(url("http://svc/a@b"), "http://svc/a@b");
        assert_eq!(url("redis://db:6379"), "redis://db:6379");
        assert_eq!(url("not a url"), "not a url");
    }

    #[test]
    fn text_loses_the_url_and_the_password_alone() {
        let u = "redis://admin:hunter2@db:6379";
        let said = format!("cannot reach {u}: auth failed for hunter2");
        let clean = text(&said, &[u]);
        assert!(!clean.contains("hunter2"), "{clean}");
        assert!(clean.contains("redis://***@db:6379"), "{clean}");
    }
}
