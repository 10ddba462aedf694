//! The HTTP face: one fallback handler so every call — known or not — is
//! answered in Weibo's error format and logged. Order of checks: route
//! (10020/10021), token (21301/21327/21332), rate limits (10022/10023/10024,
//! counting the call once admitted), injected faults, then the endpoint.

use std::sync::Arc;

use axum::Router;
use axum::extract::{Request, State};
use axum::http::Method;
use axum::http::header::CONTENT_TYPE;
use axum::response::Response;
use chrono::{DateTime, Utc};

use super::model::{LoggedRequest, Timeline};
use super::params::{self, Params};
use super::reads;
use super::reply::Reply;
use super::state::{self, Shared};
use super::writes::{self, Write};

/// Larger bodies are refused (10008): comments are 140 characters.
const MAX_BODY: usize = 1 << 20;

/// What a path serves.
#[derive(Debug, Clone, Copy)]
enum Endpoint {
    RateLimitStatus,
    Api(Api),
}

/// The calls that count, can fault and do the work.
#[derive(Debug, Clone, Copy)]
enum Api {
    Read(Timeline),
    Write(Write),
}

impl Endpoint {
    fn method(self) -> Method {
        match self {
            Endpoint::Api(Api::Write(_)) => Method::POST,
            _ => Method::GET,
        }
    }
}

/// The endpoint at `path` (open API and commercial `/biz` alike).
fn route(path: &str) -> Option<Endpoint> {
    let api = match path.strip_prefix("/2/")? {
        "account/rate_limit_status.json" => return Some(Endpoint::RateLimitStatus),
        "statuses/mentions.json" | "statuses/mentions/biz.json" => {
            Api::Read(Timeline::StatusMentions)
        }
        "comments/mentions.json" | "comments/mentions/biz.json" => {
            Api::Read(Timeline::CommentMentions)
        }
        "comments/to_me.json" | "comments/to_me/biz.json" => Api::Read(Timeline::CommentsToMe),
        "comments/create.json" => Api::Write(Write::Create),
        "comments/reply.json" | "comments/reply/biz.json" => Api::Write(Write::Reply),
        _ => return None,
    };
    Some(Endpoint::Api(api))
}

/// The stand-in's router.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    Router::new().fallback(handle).with_state(shared)
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let (parts, body) = request.into_parts();
    let path = parts.uri.path().to_owned();
    let mut params = Params::decode(parts.uri.query().unwrap_or(""));
    // POST bodies are forms; a body of another type carries no parameters.
    let form = parts
        .headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_none_or(|v| v.starts_with("application/x-www-form-urlencoded"));
    let mut body_ok = true;
    if parts.method == Method::POST && form {
        match axum::body::to_bytes(body, MAX_BODY).await {
            Ok(bytes) => params.extend(Params::decode(&String::from_utf8_lossy(&bytes))),
            Err(_) => body_ok = false,
        }
    }
    let token = params::token(&parts.headers, &params);
    let (reply, string_codes) = {
        let mut state = shared.lock();
        let now = shared.clock.now();
        let call = Call {
            method: &parts.method,
            path: &path,
            params: &params,
            token: token.as_deref(),
            body_ok,
            now,
        };
        let reply = dispatch(&mut state, &call);
        state.log.push(LoggedRequest {
            at: now,
            method: parts.method.as_str().to_owned(),
            path: path.clone(),
            query: params.logged(),
            status: reply.status(),
            error_code: reply.error_code(),
            items: reply.items(),
            token: token.clone(),
        });
        (reply, state.options.string_error_codes)
    };
    if let Reply::Hang = reply {
        shared.stop.cancelled().await;
    }
    reply.into_response(&path, string_codes)
}

/// One call's inputs.
struct Call<'a> {
    method: &'a Method,
    path: &'a str,
    params: &'a Params,
    token: Option<&'a str>,
    body_ok: bool,
    now: DateTime<Utc>,
}

fn dispatch(state: &mut state::State, call: &Call<'_>) -> Reply {
    let Some(endpoint) = route(call.path) else {
        return Reply::code(404, 10020);
    };
    if *call.method != endpoint.method() {
        return Reply::code(405, 10021);
    }
    if !call.body_ok {
        return Reply::code(400, 10008);
    }
    let token = match state.limits.authenticate(call.token) {
        Ok(()) => call.token.unwrap_or_default(),
        Err(reply) => return reply,
    };
    let options = state.options.clone();
    let api = match endpoint {
        Endpoint::RateLimitStatus => {
            if options.status_limit_counts
                && let Err(reply) = state.limits.admit(token, call.now, false, &options)
            {
                return reply;
            }
            return Reply::ok(state.limits.status(token, call.now, &options), 0);
        }
        Endpoint::Api(api) => api,
    };
    let write = matches!(api, Api::Write(_));
    if let Err(reply) = state.limits.admit(token, call.now, write, &options) {
        return reply;
    }
    if let Some(fault) = state.faults.next(!write) {
        return fault;
    }
    match api {
        Api::Read(timeline) => reads::timeline(state, timeline, call.params),
        Api::Write(write) => writes::comment(state, call.now, write, call.params),
    }
}
