//! CORS as ES's HTTP layer does it (CorsHandler, §16.4): off by default; `http.cors.*` settings
//! (here the env's `HTTP_CORS_*`); a preflight (`OPTIONS` with `Origin` and
//! `Access-Control-Request-Method`) answered before authentication, 200 with the allowed
//! methods and headers or an empty 403; any other request from an origin not allowed is an
//! empty 403 once authenticated; allowed origins get `Access-Control-Allow-Origin` (and `Vary`,
//! credentials, exposed headers) on every response.

use regex_lite::Regex;

use crate::errors::Reply;
use crate::json_fields::Fields;

/// The settings as the host reads them from its env: raw strings, absent when unset.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct CorsSettings {
    pub enabled: Option<String>,
    pub allow_origin: Option<String>,
    pub allow_methods: Option<String>,
    pub allow_headers: Option<String>,
    pub allow_credentials: Option<String>,
    pub max_age: Option<String>,
    pub expose_headers: Option<String>,
}

const SETTINGS: [&str; 7] =
    ["enabled", "allow_origin", "allow_methods", "allow_headers", "allow_credentials", "max_age", "expose_headers"];

impl CorsSettings {
    /// The host's JSON of them; a name not known is an error, as a setting ES does not know.
    pub fn from_json(json: &str) -> Result<CorsSettings, String> {
        let mut f = Fields::parse(json, "struct CorsSettings")?;
        f.only(&SETTINGS)?;
        let [enabled, allow_origin, allow_methods, allow_headers, allow_credentials, max_age, expose_headers] =
            SETTINGS.map(|name| f.string(name));
        Ok(CorsSettings {
            enabled: enabled?,
            allow_origin: allow_origin?,
            allow_methods: allow_methods?,
            allow_headers: allow_headers?,
            allow_credentials: allow_credentials?,
            max_age: max_age?,
            expose_headers: expose_headers?,
        })
    }
}

/// ES 9's defaults (HttpTransportSettings).
const DEFAULT_METHODS: &str = "OPTIONS,HEAD,GET,POST,PUT,DELETE";
const DEFAULT_HEADERS: &str =
    "X-Requested-With,Content-Type,Content-Length,Authorization,Accept,User-Agent,X-Elastic-Client-Meta";
const DEFAULT_EXPOSE: &str = "X-elastic-product";
const DEFAULT_MAX_AGE: i32 = 1_728_000;
const METHODS: [&str; 9] = ["GET", "POST", "PUT", "DELETE", "OPTIONS", "HEAD", "PATCH", "TRACE", "CONNECT"];

#[derive(Debug, Clone)]
enum Origins {
    Any,
    List(Vec<String>),
    Pattern(Regex),
}

/// The checked configuration of an enabled CORS.
#[derive(Debug, Clone)]
pub struct Cors {
    origins: Origins,
    credentials: bool,
    methods: Vec<String>,
    headers: Vec<String>,
    expose: Vec<String>,
    max_age: i32,
}

fn boolean(name: &str, value: Option<&str>) -> Result<bool, String> {
    match value.map(str::trim) {
        None | Some("") | Some("false") => Ok(false),
        Some("true") => Ok(true),
        Some(other) => Err(format!("{name}: Failed to parse value [{other}] as only [true] or [false] are allowed.")),
    }
}

/// Strings.tokenizeToStringArray(value, ","): trimmed, empty entries dropped.
fn tokens(value: &str) -> Vec<String> {
    value.split(',').map(str::trim).filter(|t| !t.is_empty()).map(str::to_string).collect()
}

impl Cors {
    /// `Ok(None)` when CORS is off; the error names the env variable and the value's problem.
    pub fn from_settings(settings: &CorsSettings) -> Result<Option<Cors>, String> {
        if !boolean("HTTP_CORS_ENABLED", settings.enabled.as_deref())? {
            return Ok(None);
        }
        let origin = settings.allow_origin.as_deref().unwrap_or_default();
        let origins = if origin == "*" {
            Origins::Any
        } else if origin.len() > 2 && origin.starts_with('/') && origin.ends_with('/') {
            // Java's Pattern.matcher(origin).matches(): the whole origin must match.
            let inner = origin.get(1..origin.len() - 1).unwrap_or_default();
            // regex-lite: time linear in the origin's length whatever the pattern, where a
            // backtracking engine (Java's in ES) can be made to spend exponential CPU by an
            // anonymous client's Origin header.
            let pattern = Regex::new(&format!("^(?:{inner})$"))
                .map_err(|_| format!("HTTP_CORS_ALLOW_ORIGIN: Bad regex in [http.cors.allow-origin]: [{origin}]"))?;
            Origins::Pattern(pattern)
        } else if origin.is_empty() {
            Origins::List(Vec::new())
        } else {
            Origins::List(origin.split(',').map(|o| o.trim().to_string()).collect())
        };
        let mut methods = Vec::new();
        for method in tokens(settings.allow_methods.as_deref().unwrap_or(DEFAULT_METHODS)) {
            let upper = method.to_ascii_uppercase();
            if !METHODS.contains(&upper.as_str()) {
                return Err(format!("HTTP_CORS_ALLOW_METHODS: [{method}] is not an HTTP method ES knows"));
            }
            if !methods.contains(&upper) {
                methods.push(upper);
            }
        }
        let max_age = match settings.max_age.as_deref().map(str::trim) {
            None | Some("") => DEFAULT_MAX_AGE,
            Some(value) => value.parse().map_err(|_| {
                format!("HTTP_CORS_MAX_AGE: Failed to parse value [{value}] for setting [http.cors.max-age]")
            })?,
        };
        Ok(Some(Cors {
            origins,
            credentials: boolean("HTTP_CORS_ALLOW_CREDENTIALS", settings.allow_credentials.as_deref())?,
            methods,
            headers: tokens(settings.allow_headers.as_deref().unwrap_or(DEFAULT_HEADERS)),
            expose: tokens(settings.expose_headers.as_deref().unwrap_or(DEFAULT_EXPOSE)),
            max_age,
        }))
    }

    fn origin_allowed(&self, origin: &str) -> bool {
        match &self.origins {
            Origins::Any => true,
            Origins::List(list) => list.iter().any(|o| o == origin),
            Origins::Pattern(pattern) => pattern.is_match(origin),
        }
    }

    /// CorsHandler.setOrigin: the headers naming the origin, or `None` when it is not allowed.
    fn origin_headers(&self, origin: Option<&str>, host: Option<&str>) -> Option<Headers> {
        let origin = origin.filter(|o| !o.is_empty())?;
        if matches!(self.origins, Origins::Any) && !self.credentials {
            return Some(vec![header("Access-Control-Allow-Origin", "*")]);
        }
        let allowed = matches!(self.origins, Origins::Any) || self.origin_allowed(origin) || same_origin(origin, host);
        allowed.then(|| vec![header("Access-Control-Allow-Origin", origin), header("Vary", "origin")])
    }

    fn credentials_header(&self, out: &mut Headers) {
        if self.credentials {
            out.push(header("Access-Control-Allow-Credentials", "true"));
        }
    }

    /// What CORS says of one request: an answer before anything else (a preflight, or an
    /// `OPTIONS` from an origin not allowed), a 403 to send once the caller is authenticated,
    /// and the headers every other response carries.
    pub fn decide(&self, request: &CorsRequest<'_>) -> CorsDecision {
        let origin = request.origin;
        let preflight = request.method == "OPTIONS" && origin.is_some() && request.has_request_method;
        if preflight {
            let Some(mut headers) = self.origin_headers(origin, request.host) else {
                return CorsDecision { early: Some(forbidden()), ..CorsDecision::default() };
            };
            headers.push(("Access-Control-Allow-Methods".into(), self.methods.clone()));
            headers.push(("Access-Control-Allow-Headers".into(), self.headers.clone()));
            self.credentials_header(&mut headers);
            headers.push(header("Access-Control-Max-Age", &self.max_age.to_string()));
            let mut reply = Reply::new(200, serde_json::Value::Null);
            reply.headers = headers;
            return CorsDecision { early: Some(reply), ..CorsDecision::default() };
        }
        let valid = match origin.filter(|o| !o.is_empty()) {
            None => true,
            Some(o) => matches!(self.origins, Origins::Any) || same_origin(o, request.host) || self.origin_allowed(o),
        };
        if !valid {
            // OPTIONS is never authenticated, so its 403 comes first.
            let refusal = Some(forbidden());
            return if request.method == "OPTIONS" {
                CorsDecision { early: refusal, ..CorsDecision::default() }
            } else {
                CorsDecision { forbidden: refusal, ..CorsDecision::default() }
            };
        }
        let mut headers = self.origin_headers(origin, request.host).unwrap_or_default();
        if !headers.is_empty() {
            self.credentials_header(&mut headers);
            if !self.expose.is_empty() {
                headers.push(("Access-Control-Expose-Headers".into(), self.expose.clone()));
            }
        }
        CorsDecision { headers, ..CorsDecision::default() }
    }
}

type Headers = Vec<(String, Vec<String>)>;

fn header(name: &str, value: &str) -> (String, Vec<String>) {
    (name.to_string(), vec![value.to_string()])
}

/// ES's forbidden reply: 403, no body.
fn forbidden() -> Reply {
    Reply::new(403, serde_json::Value::Null)
}

/// CorsHandler.isSameOrigin: the origin without `http://` or `https://` equals the Host header.
fn same_origin(origin: &str, host: Option<&str>) -> bool {
    let bare = origin.strip_prefix("http://").or_else(|| origin.strip_prefix("https://")).unwrap_or(origin);
    host.is_some_and(|h| !h.is_empty() && h == bare)
}

/// The request headers CORS reads.
pub struct CorsRequest<'a> {
    pub method: &'a str,
    pub origin: Option<&'a str>,
    pub has_request_method: bool,
    pub host: Option<&'a str>,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct CorsDecision {
    pub early: Option<Reply>,
    pub forbidden: Option<Reply>,
    pub headers: Headers,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cors(origin: &str, credentials: bool) -> Cors {
        let settings = CorsSettings {
            enabled: Some("true".into()),
            allow_origin: Some(origin.into()),
            allow_credentials: Some(credentials.to_string()),
            ..CorsSettings::default()
        };
        match Cors::from_settings(&settings) {
            Ok(Some(cors)) => cors,
            other => unreachable_config(&other),
        }
    }

    fn unreachable_config(other: &Result<Option<Cors>, String>) -> Cors {
        assert!(other.is_ok(), "{other:?}");
        Cors {
            origins: Origins::List(Vec::new()),
            credentials: false,
            methods: Vec::new(),
            headers: Vec::new(),
            expose: Vec::new(),
            max_age: 0,
        }
    }

    fn request<'a>(method: &'a str, origin: Option<&'a str>, preflight: bool) -> CorsRequest<'a> {
        CorsRequest { method, origin, has_request_method: preflight, host: Some("edge.test:8787") }
    }

    fn names(headers: &Headers) -> Vec<&str> {
        headers.iter().map(|(n, _)| n.as_str()).collect()
    }

    #[test]
    fn settings_and_their_errors() {
        assert!(matches!(Cors::from_settings(&CorsSettings::default()), Ok(None)));
        let read = CorsSettings::from_json(r#"{"enabled":"true","max_age":"5"}"#);
        assert_eq!(
            read.map(|s| (s.enabled, s.max_age, s.allow_origin)),
            Ok((Some("true".into()), Some("5".into()), None))
        );
        let unknown = CorsSettings::from_json(r#"{"allow_origins":"*"}"#).err().unwrap_or_default();
        assert!(unknown.starts_with("unknown field `allow_origins`, expected one of `enabled`, `allow_origin`"));
        let bad = |settings: CorsSettings| {
            Cors::from_settings(&CorsSettings { enabled: Some("true".into()), ..settings }).err()
        };
        assert_eq!(
            Cors::from_settings(&CorsSettings { enabled: Some("yes".into()), ..CorsSettings::default() }).err(),
            Some("HTTP_CORS_ENABLED: Failed to parse value [yes] as only [true] or [false] are allowed.".into())
        );
        assert!(bad(CorsSettings { allow_origin: Some("/(/".into()), ..CorsSettings::default() }).is_some());
        assert!(bad(CorsSettings { allow_methods: Some("GET,FETCH".into()), ..CorsSettings::default() }).is_some());
        assert!(bad(CorsSettings { max_age: Some("soon".into()), ..CorsSettings::default() }).is_some());
        let defaults = cors("*", false);
        assert_eq!(defaults.methods, ["OPTIONS", "HEAD", "GET", "POST", "PUT", "DELETE"]);
        assert_eq!(defaults.max_age, 1_728_000);
        assert!(defaults.headers.contains(&"Authorization".to_string()));
        assert_eq!(defaults.expose, ["X-elastic-product"]);
    }

    #[test]
    fn preflights() {
        let list = cors("http://app.test, https://other.test", false);
        let ok = list.decide(&request("OPTIONS", Some("http://app.test"), true));
        let reply = ok.early.unwrap_or_else(forbidden);
        assert_eq!(reply.status, 200);
        assert_eq!(
            names(&reply.headers),
            [
                "Access-Control-Allow-Origin",
                "Vary",
                "Access-Control-Allow-Methods",
                "Access-Control-Allow-Headers",
                "Access-Control-Max-Age"
            ]
        );
        let refused = list.decide(&request("OPTIONS", Some("http://evil.test"), true));
        assert_eq!(refused.early.map(|r| (r.status, r.body, r.headers.len())), Some((403, serde_json::Value::Null, 0)));
        // Same origin as the Host header is always allowed.
        let same = list.decide(&request("OPTIONS", Some("https://edge.test:8787"), true));
        assert_eq!(same.early.map(|r| r.status), Some(200));
        let pattern = cors("/https?:\\/\\/app\\.test(:\\d+)?/", true);
        let matched = pattern.decide(&request("OPTIONS", Some("http://app.test:3000"), true));
        let headers = matched.early.map(|r| r.headers).unwrap_or_default();
        assert!(headers.contains(&header("Access-Control-Allow-Credentials", "true")));
        assert!(headers.contains(&header("Access-Control-Allow-Origin", "http://app.test:3000")));
        let partial = pattern.decide(&request("OPTIONS", Some("http://app.test.evil"), true));
        assert_eq!(partial.early.map(|r| r.status), Some(403));
    }

    #[test]
    fn other_requests() {
        let list = cors("http://app.test", false);
        let allowed = list.decide(&request("POST", Some("http://app.test"), false));
        assert_eq!(allowed.early, None);
        assert_eq!(allowed.forbidden, None);
        assert_eq!(names(&allowed.headers), ["Access-Control-Allow-Origin", "Vary", "Access-Control-Expose-Headers"]);
        let refused = list.decide(&request("POST", Some("http://evil.test"), false));
        assert_eq!((refused.early, refused.forbidden.map(|r| r.status)), (None, Some(403)));
        let options = list.decide(&request("OPTIONS", Some("http://evil.test"), false));
        assert_eq!(options.early.map(|r| r.status), Some(403));
        let no_origin = list.decide(&request("GET", None, false));
        assert_eq!(no_origin, CorsDecision::default());
        let any = cors("*", false).decide(&request("GET", Some("http://x.test"), false));
        assert_eq!(any.headers.first(), Some(&header("Access-Control-Allow-Origin", "*")));
        let any_credentials = cors("*", true).decide(&request("GET", Some("http://x.test"), false));
        assert!(any_credentials.headers.contains(&header("Access-Control-Allow-Origin", "http://x.test")));
        assert!(any_credentials.headers.contains(&header("Access-Control-Allow-Credentials", "true")));
        // ES's default origin setting is empty: only the same origin.
        let none = cors("", false).decide(&request("GET", Some("http://app.test"), false));
        assert_eq!(none.forbidden.map(|r| r.status), Some(403));
    }
}
