//! `#[goro::main]` and `#[goro::test]`: run an `async fn` as goro's main goroutine.
//!
//! Both turn
//!
//! ```text
//! #[goro::main]
//! async fn main() -> R { body }
//! ```
//!
//! into `fn main() -> R { ::goro::run(async move { body }) }`. An optional
//! `workers = N` argument builds the runtime with N worker threads instead of
//! GOMAXPROCS: `#[goro::main(workers = 4)]` expands to
//! `::goro::Runtime::builder().workers(4).build().block_on(..)`, which behaves as
//! `run` does (the body is the main goroutine, on the calling thread acting as
//! worker 0; same `yield_now`, same deadlock detection). `#[goro::test]` also adds
//! `#[test]` (under libtest, whose own threads are alive, deadlock detection stays
//! silent: see goro's `runtime` docs). `#[goro::test(synctest)]` runs the body
//! through `::goro::test::synctest` instead: as the main goroutine of a bubble with
//! virtual time (see `goro::test`).
//! Written with `proc_macro` alone (no syn/quote) to keep goro's build light.

use proc_macro::{Delimiter, Group, Ident, Literal, Punct, Spacing, Span, TokenStream, TokenTree};

/// Runs an `async fn main` as goro's main goroutine (like Go's `func main`).
///
/// ```ignore
/// #[goro::main]
/// async fn main() {
///     let h = goro::go(async { 1 + 1 });
///     assert_eq!(h.await.unwrap(), 2);
/// }
/// ```
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(args, item, false)
}

/// Runs an `async fn` test on a fresh goro runtime; with `synctest`, inside a
/// synctest bubble (virtual time: `goro::test::synctest`).
///
/// ```ignore
/// #[goro::test]
/// async fn adds() {
///     assert_eq!(goro::go(async { 2 + 2 }).await.unwrap(), 4);
/// }
///
/// #[goro::test(synctest)]
/// async fn an_hour_in_no_time() {
///     goro::time::sleep(std::time::Duration::from_secs(3600)).await;
/// }
/// ```
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(args, item, true)
}

fn error(msg: &str, span: Span) -> TokenStream {
    let mut lit = Literal::string(msg);
    lit.set_span(span);
    let mut bang = Punct::new('!', Spacing::Alone);
    bang.set_span(span);
    let mut semi = Punct::new(';', Spacing::Alone);
    semi.set_span(span);
    [
        TokenTree::Ident(Ident::new("compile_error", span)),
        TokenTree::Punct(bang),
        TokenTree::Group(Group::new(
            Delimiter::Parenthesis,
            TokenTree::Literal(lit).into(),
        )),
        TokenTree::Punct(semi),
    ]
    .into_iter()
    .collect()
}

/// How the body runs.
enum Runner {
    /// `::goro::run`.
    Run,
    /// A runtime of N workers (`workers = N`).
    Workers(TokenTree),
    /// A synctest bubble (`synctest`, tests only).
    Synctest,
}

/// Parses `workers = N`, `synctest` (tests only) or nothing.
fn parse_args(args: TokenStream, is_test: bool) -> Result<Runner, TokenStream> {
    let toks: Vec<TokenTree> = args.into_iter().collect();
    let expected = if is_test {
        "goro: expected no arguments, `workers = N` or `synctest`"
    } else {
        "goro: expected no arguments or `workers = N`"
    };
    match toks.as_slice() {
        [] => Ok(Runner::Run),
        [TokenTree::Ident(k), TokenTree::Punct(eq), v @ TokenTree::Literal(_)]
            if k.to_string() == "workers" && eq.as_char() == '=' =>
        {
            Ok(Runner::Workers(v.clone()))
        }
        [TokenTree::Ident(k)] if is_test && k.to_string() == "synctest" => Ok(Runner::Synctest),
        [t, ..] => Err(error(expected, t.span())),
    }
}

fn expand(args: TokenStream, item: TokenStream, is_test: bool) -> TokenStream {
    let workers = match parse_args(args, is_test) {
        Ok(w) => w,
        Err(e) => return e,
    };
    let mut toks: Vec<TokenTree> = item.into_iter().collect();
    let Some(TokenTree::Group(body)) = toks.pop() else {
        return error(
            "goro: expected an `async fn` with a body",
            Span::call_site(),
        );
    };
    if body.delimiter() != Delimiter::Brace {
        return error("goro: expected an `async fn` with a body", body.span());
    }
    // Drop the `async` that precedes `fn` (attributes and visibility stay).
    let fn_pos = toks
        .iter()
        .position(|t| matches!(t, TokenTree::Ident(i) if i.to_string() == "fn"));
    let async_pos = toks
        .iter()
        .position(|t| matches!(t, TokenTree::Ident(i) if i.to_string() == "async"));
    match (async_pos, fn_pos) {
        (Some(a), Some(f)) if a < f => {
            toks.remove(a);
        }
        _ => {
            let span = fn_pos.map_or(Span::call_site(), |f| toks[f].span());
            return error(
                "goro: the `async` keyword is missing from the function declaration",
                span,
            );
        }
    }
    let runner: TokenStream = match workers {
        Runner::Run => "::goro::run".parse().unwrap(),
        Runner::Workers(n) => format!("::goro::Runtime::builder().workers({n}).build().block_on")
            .parse()
            .unwrap(),
        Runner::Synctest => "::goro::test::synctest".parse().unwrap(),
    };
    let mut call = runner;
    let inner: TokenStream = [
        TokenTree::Ident(Ident::new("async", Span::call_site())),
        TokenTree::Ident(Ident::new("move", Span::call_site())),
    ]
    .into_iter()
    .chain(std::iter::once(TokenTree::Group(body.clone())))
    .collect();
    call.extend([TokenTree::Group(Group::new(Delimiter::Parenthesis, inner))]);
    let mut out = TokenStream::new();
    if is_test {
        out.extend(
            "#[::core::prelude::v1::test]"
                .parse::<TokenStream>()
                .unwrap(),
        );
    }
    out.extend(toks);
    out.extend([TokenTree::Group(Group::new(Delimiter::Brace, call))]);
    out
}
