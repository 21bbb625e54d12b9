//! Which framing headers each HTTP/1 request on a connection carried, read from the bytes as
//! they arrive.
//!
//! hyper follows RFC 9112 section 6.3 for a request with both `Content-Length` and
//! `Transfer-Encoding`: it reads the body as chunked, drops `Content-Length` from the headers the
//! application sees, and closes the connection afterwards. Section 6.1 also allows the server
//! to refuse such a request, which is what a receiver should do: the pair is how request
//! smuggling through a proxy that reads the other header starts. As the application cannot see
//! the pair, this scanner follows the request stream (heads, fixed and chunked bodies) and
//! reports, head by head, whether both headers were there.

use std::collections::VecDeque;

/// The largest request head followed; past it, scanning stops (hyper refuses such heads).
const MAX_HEAD: usize = 64 * 1024;

/// The framing of one request head.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Framing {
    /// At most one of `Content-Length` and `Transfer-Encoding`.
    Clear,
    /// Both: refuse the request.
    Ambiguous,
}

#[derive(Debug, Default)]
enum State {
    #[default]
    Head,
    Fixed(u64),
    ChunkSize,
    ChunkData(u64),
    ChunkEnd,
    Trailers,
    /// Not HTTP/1 we can follow (HTTP/2, a head too large, or a connection that ends after
    /// this request): nothing more is reported.
    Done,
}

/// Follows one connection's request stream; see the [module docs](self).
#[derive(Debug, Default)]
pub(crate) struct FramingScanner {
    state: State,
    /// The current head, or line of a chunked body, so far.
    line: Vec<u8>,
    heads: VecDeque<Framing>,
}

impl FramingScanner {
    /// The framing of the next request head not yet asked about, in order.
    pub(crate) fn next_head(&mut self) -> Option<Framing> {
        self.heads.pop_front()
    }

    /// Follow `bytes`, the next ones read from the connection.
    pub(crate) fn feed(&mut self, mut bytes: &[u8]) {
        while !bytes.is_empty() {
            match self.state {
                State::Done => return,
                State::Head => {
                    let Some(end) = find_head_end(&self.line, bytes) else {
                        self.line.extend_from_slice(bytes);
                        if self.line.len() > MAX_HEAD {
                            self.state = State::Done;
                        }
                        return;
                    };
                    self.line.extend_from_slice(&bytes[..end]);
                    bytes = &bytes[end..];
                    let head = std::mem::take(&mut self.line);
                    self.state = self.on_head(&head);
                }
                State::Fixed(left) => {
                    let take = usize::try_from(left).unwrap_or(usize::MAX).min(bytes.len());
                    bytes = &bytes[take..];
                    let left = left - take as u64;
                    self.state = if left == 0 {
                        State::Head
                    } else {
                        State::Fixed(left)
                    };
                }
                State::ChunkSize | State::ChunkEnd | State::Trailers => {
                    let Some(nl) = bytes.iter().position(|&b| b == b'\n') else {
                        self.line.extend_from_slice(bytes);
                        if self.line.len() > MAX_HEAD {
                            self.state = State::Done;
                        }
                        return;
                    };
                    self.line.extend_from_slice(&bytes[..nl]);
                    bytes = &bytes[nl + 1..];
                    let line = std::mem::take(&mut self.line);
                    let line = line.strip_suffix(b"\r").unwrap_or(&line);
                    self.state = match self.state {
                        State::ChunkSize => match chunk_size(line) {
                            Some(0) => State::Trailers,
                            Some(n) => State::ChunkData(n),
                            None => State::Done,
                        },
                        State::ChunkEnd => State::ChunkSize,
                        _ if line.is_empty() => State::Head,
                        _ => State::Trailers,
                    };
                }
                State::ChunkData(left) => {
                    let take = usize::try_from(left).unwrap_or(usize::MAX).min(bytes.len());
                    bytes = &bytes[take..];
                    let left = left - take as u64;
                    self.state = if left == 0 {
                        State::ChunkEnd
                    } else {
                        State::ChunkData(left)
                    };
                }
            }
        }
    }

    /// Record a complete head (ending in an empty line) and say how its body is framed.
    fn on_head(&mut self, head: &[u8]) -> State {
        let mut lines = head.split(|&b| b == b'\n');
        let request_line = lines.next().unwrap_or_default();
        if request_line.trim_ascii().ends_with(b"HTTP/2.0") {
            return State::Done;
        }
        let (mut length, mut chunked, mut has_te) = (None::<u64>, false, false);
        for line in lines {
            let Some(colon) = line.iter().position(|&b| b == b':') else {
                continue;
            };
            let (name, value) = (&line[..colon], line[colon + 1..].trim_ascii());
            if name.eq_ignore_ascii_case(b"content-length") {
                length = std::str::from_utf8(value).ok().and_then(|v| v.parse().ok());
                if length.is_none() {
                    return State::Done;
                }
            } else if name.eq_ignore_ascii_case(b"transfer-encoding") {
                has_te = true;
                chunked = value
                    .rsplit(|&b| b == b',')
                    .next()
                    .is_some_and(|last| last.trim_ascii().eq_ignore_ascii_case(b"chunked"));
            }
        }
        if has_te && length.is_some() {
            self.heads.push_back(Framing::Ambiguous);
            // hyper closes the connection after this request.
            return State::Done;
        }
        self.heads.push_back(Framing::Clear);
        match (has_te, chunked, length) {
            (true, true, _) => State::ChunkSize,
            // hyper refuses a request whose last encoding is not chunked.
            (true, false, _) => State::Done,
            (false, _, Some(0) | None) => State::Head,
            (false, _, Some(n)) => State::Fixed(n),
        }
    }
}

/// Where the head ends in `bytes` (just past its empty line), given the part already kept.
fn find_head_end(kept: &[u8], bytes: &[u8]) -> Option<usize> {
    // The terminator may straddle what was kept and what arrived: look at the last 3 kept bytes.
    let tail = &kept[kept.len().saturating_sub(3)..];
    let mut joined = Vec::with_capacity(tail.len() + bytes.len().min(4096));
    joined.extend_from_slice(tail);
    let mut offset = 0;
    // Skip leading empty lines between requests (allowed by RFC 9112 section 2.2).
    if kept.is_empty() {
        while offset < bytes.len() && matches!(bytes[offset], b'\r' | b'\n') {
            offset += 1;
        }
        if offset > 0 {
            return find_head_end(&[], &bytes[offset..]).map(|end| end + offset);
        }
    }
    joined.extend_from_slice(bytes);
    let end = joined.windows(2).enumerate().find_map(|(i, w)| match w {
        [b'\n', b'\n'] => Some(i + 2),
        [b'\n', b'\r'] if joined.get(i + 2) == Some(&b'\n') => Some(i + 3),
        _ => None,
    })?;
    Some(end - tail.len())
}

fn chunk_size(line: &[u8]) -> Option<u64> {
    let digits = line.split(|&b| b == b';').next()?.trim_ascii();
    u64::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn heads(chunks: &[&[u8]]) -> Vec<Framing> {
        let mut scanner = FramingScanner::default();
        for chunk in chunks {
            scanner.feed(chunk);
        }
        std::iter::from_fn(|| scanner.next_head()).collect()
    }

    #[test]
    fn both_framing_headers_are_reported_in_either_order() {
        let cl_te = b"POST /w HTTP/1.1\r\nHost: a\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n";
        let te_cl = b"POST /w HTTP/1.1\r\nTransfer-Encoding: chunked\r\ncontent-length: 4\r\n\r\n";
        assert_eq!(heads(&[cl_te]), [Framing::Ambiguous]);
        assert_eq!(heads(&[te_cl]), [Framing::Ambiguous]);
    }

    #[test]
    fn keep_alive_requests_with_every_body_kind_are_followed_byte_by_byte() {
        let stream: &[u8] = b"POST /w HTTP/1.1\r\nContent-Length: 21\r\n\r\n\r\n\r\nTransfer-Encoding\
            POST /w HTTP/1.1\r\nTransfer-Encoding: gzip, chunked\r\n\r\n5;ext=1\r\nhello\r\n0\r\nX-T: 1\r\n\r\n\
            GET /healthz HTTP/1.1\r\n\r\n\
            POST /w HTTP/1.1\nContent-Length: 2\nTransfer-Encoding: chunked\n\n";
        let expected = [
            Framing::Clear,
            Framing::Clear,
            Framing::Clear,
            Framing::Ambiguous,
        ];
        assert_eq!(heads(&[stream]), expected);
        let bytes: Vec<&[u8]> = stream.chunks(1).collect();
        assert_eq!(heads(&bytes), expected);
        let bytes: Vec<&[u8]> = stream.chunks(7).collect();
        assert_eq!(heads(&bytes), expected);
    }

    #[test]
    fn http2_prior_knowledge_is_not_followed() {
        assert_eq!(heads(&[b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00"]), []);
    }
}
