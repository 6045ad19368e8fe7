//! "Firefox on Android": a session's device as a person recognizes it, from the user agent its
//! log-in sent (parsed by woothee, a small table-driven parser, rather than a large regex set).

use woothee::parser::Parser;

const UNKNOWN: &str = "UNKNOWN";
const MAX_CHARS: usize = 60;

pub fn name(user_agent: Option<&str>) -> String {
    let Some(agent) = user_agent.map(str::trim).filter(|a| !a.is_empty()) else {
        return "Unknown device".into();
    };
    if let Some(found) = Parser::new().parse(agent)
        && found.name != UNKNOWN
        && found.category != "crawler"
    {
        return if found.os == UNKNOWN {
            found.name.to_owned()
        } else {
            format!("{} on {}", found.name, found.os)
        };
    }
    // An app ("DSub/5.5.2 (Android)"): its first product, as "DSub 5.5.2".
    let product = agent.split_whitespace().next().unwrap_or(agent);
    product
        .replacen('/', " ", 1)
        .chars()
        .take(MAX_CHARS)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers_and_apps_get_names_people_know() {
        for (agent, expected) in [
            (
                "Mozilla/5.0 (Android 14; Mobile; rv:128.0) Gecko/128.0 Firefox/128.0",
                "Firefox on Android",
            ),
            (
                "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
                "Chrome on Windows 10",
            ),
            (
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1",
                "Safari on iPhone",
            ),
            ("DSub/5.5.2 (Android)", "DSub 5.5.2"),
            ("reqwest/0.12", "reqwest 0.12"),
        ] {
            assert_eq!(name(Some(agent)), expected, "{agent}");
        }
        assert_eq!(name(None), "Unknown device");
        assert_eq!(name(Some("  ")), "Unknown device");
        assert!(name(Some(&"x".repeat(500))).chars().count() <= MAX_CHARS);
    }
}
