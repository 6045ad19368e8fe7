//! Which address a request comes from, when a reverse proxy stands in front (`server.
//! trusted_proxies`). X-Forwarded-For is trusted only from those proxies: anyone else could put
//! any address in it, and the log-in throttle counts failures per address.

use std::net::IpAddr;

use actix_web::HttpRequest;
use ipnet::IpNet;

/// The proxies whose X-Forwarded-For names the client; empty trusts none.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<IpNet>);

impl TrustedProxies {
    pub fn new(nets: Vec<IpNet>) -> TrustedProxies {
        TrustedProxies(nets)
    }

    fn trusts(&self, address: IpAddr) -> bool {
        let address = address.to_canonical();
        self.0.iter().any(|net| net.contains(&address))
    }

    /// The client's address: the connection's peer, unless the peer is a trusted proxy; then
    /// X-Forwarded-For read from the right (each proxy appends the address it saw), skipping
    /// the trusted ones, up to the first that is not. A malformed entry ends the walk at the
    /// last hop vouched for.
    pub fn client_address(&self, request: &HttpRequest) -> Option<IpAddr> {
        let peer = request.peer_addr()?.ip();
        if !self.trusts(peer) {
            return Some(peer);
        }
        let forwarded = request
            .headers()
            .get_all("x-forwarded-for")
            .filter_map(|value| value.to_str().ok())
            .collect::<Vec<_>>()
            .join(",");
        Some(self.resolve(peer, &forwarded))
    }

    fn resolve(&self, peer: IpAddr, forwarded: &str) -> IpAddr {
        let mut client = peer;
        if !self.trusts(client) {
            return client;
        }
        for hop in forwarded
            .rsplit(',')
            .map(str::trim)
            .filter(|hop| !hop.is_empty())
        {
            match hop.parse::<IpAddr>() {
                Ok(address) => {
                    client = address;
                    if !self.trusts(address) {
                        break;
                    }
                }
                Err(_) => break,
            }
        }
        client
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    fn proxies(nets: &[&str]) -> TrustedProxies {
        TrustedProxies::new(nets.iter().map(|n| n.parse().unwrap()).collect())
    }

    #[test]
    fn an_untrusted_peer_is_the_client_whatever_it_claims() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.resolve(ip("192.0.2.1"), "203.0.113.7"),
            ip("192.0.2.1")
        );
        let lan = proxies(&["10.0.0.0/8"]);
        assert_eq!(lan.resolve(ip("192.0.2.1"), "203.0.113.7"), ip("192.0.2.1"));
    }

    #[test]
    fn a_trusted_proxy_names_the_client() {
        let local = proxies(&["127.0.0.1/32", "10.0.0.0/8"]);
        assert_eq!(
            local.resolve(ip("127.0.0.1"), "203.0.113.7"),
            ip("203.0.113.7")
        );
        // A client's own made-up entries sit left of what the proxy appended: not reached.
        assert_eq!(
            local.resolve(ip("127.0.0.1"), "1.2.3.4, 203.0.113.7"),
            ip("203.0.113.7")
        );
        // Two proxies in a row, both trusted.
        assert_eq!(
            local.resolve(ip("127.0.0.1"), "203.0.113.7, 10.1.2.3"),
            ip("203.0.113.7")
        );
        // Nothing forwarded, or nonsense: the proxy itself.
        assert_eq!(local.resolve(ip("127.0.0.1"), ""), ip("127.0.0.1"));
        assert_eq!(local.resolve(ip("127.0.0.1"), "unknown"), ip("127.0.0.1"));
        // An IPv4 peer seen as IPv6-mapped still matches.
        assert_eq!(
            local.resolve(ip("::ffff:127.0.0.1"), "203.0.113.7"),
            ip("203.0.113.7")
        );
    }
}
