//! `select!` and its helpers: `__goro_select_parse` parses the cases (at most 32,
//! each given a name and an index), `__goro_select_emit` pins them, awaits the
//! select's future and runs the winner's body. They reach the runtime side through
//! `$crate::select::__private`.

/// Waits on several channel operations and futures; exactly one case runs.
/// Go's `select` statement.
///
/// ```text
/// select! {
///     v = rx.recv() => { /* v: Option<T>, None = closed */ },
///     r = tx.send(x) => { /* r: Result<(), SendError<T>> */ },
///     v = rx2.recv(), if enabled => { /* a disabled case is Go's nil channel */ },
///     v = some_future => { /* any IntoFuture: a JoinHandle, wg.wait(), sleep(d) */ },
///     _ = timer_receiver => { /* a bare Receiver is received from */ },
///     default => { /* nothing was ready: the select does not wait */ },
/// }
/// ```
///
/// * Exactly one case commits: a receive that loses consumed nothing, a send that
///   loses delivered nothing (unbuffered channels included), a future that loses
///   is dropped without its output having been taken.
/// * When several cases are ready, one is chosen uniformly at random.
/// * The channel cases are decided at one instant, as in Go: with `default`, the
///   default runs only if at one instant no channel case was ready (future cases
///   are polled once per poll, outside that instant: see the module docs).
/// * Case expressions are evaluated once, in order, before waiting (a disabled
///   case's expression is not evaluated). Bodies run after the select completes,
///   in the enclosing function, so `break`, `continue`, `return` and `?` work.
///   Patterns must be irrefutable; every body must have the same type.
/// * Without `default` and with every case disabled, it waits forever (Go's
///   `select {}`).
/// * With `default` it never waits for a case, but on a goro worker it is a yield
///   point like every goro operation: once the goroutine has spent its budget (128
///   operations in one poll) it lets the worker's other goroutines run first, as
///   Go's preemption would. So a loop that polls with `default` cannot starve the
///   goroutine that is to make a case ready.
/// * It is an ordinary future: it works on any executor. Dropping it while it
///   waits cancels it with no effect (see the module docs for the race with a
///   commit).
/// * At most 32 cases (use [`Select`](crate::Select) beyond).
///
/// ```
/// use goro::select;
/// goro::run(async {
///     let (tx1, rx1) = goro::chan::<i32>(1);
///     let (tx2, rx2) = goro::chan::<&str>(0);
///     tx1.send(1).await.unwrap();
///     let got = select! {
///         v = rx1.recv() => format!("rx1 {v:?}"),
///         v = rx2.recv() => format!("rx2 {v:?}"),
///         r = tx2.send("x"), if false => format!("sent {r:?}"),
///     };
///     assert_eq!(got, "rx1 Some(1)");
///     // Nothing is ready: default.
///     let got = select! {
///         v = rx1.recv() => Some(v),
///         default => None,
///     };
///     assert_eq!(got, None);
///     drop(tx1);
/// });
/// ```
#[macro_export]
macro_rules! select {
    ($($tokens:tt)*) => {
        $crate::__goro_select_parse! {
            @names [(__c0 0) (__c1 1) (__c2 2) (__c3 3) (__c4 4) (__c5 5) (__c6 6) (__c7 7) (__c8 8) (__c9 9) (__c10 10) (__c11 11) (__c12 12) (__c13 13) (__c14 14) (__c15 15) (__c16 16) (__c17 17) (__c18 18) (__c19 19) (__c20 20) (__c21 21) (__c22 22) (__c23 23) (__c24 24) (__c25 25) (__c26 26) (__c27 27) (__c28 28) (__c29 29) (__c30 30) (__c31 31)]
            @cases []
            @default []
            $($tokens)*
        }
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __goro_select_parse {
    // default => block,
    (@names $names:tt @cases $cases:tt @default []
        default => $body:block, $($rest:tt)*) => {
        $crate::__goro_select_parse! { @names $names @cases $cases @default [$body] $($rest)* }
    };
    // default => block
    (@names $names:tt @cases $cases:tt @default []
        default => $body:block $($rest:tt)*) => {
        $crate::__goro_select_parse! { @names $names @cases $cases @default [$body] $($rest)* }
    };
    // default => expr
    (@names $names:tt @cases $cases:tt @default []
        default => $body:expr $(, $($rest:tt)*)?) => {
        $crate::__goro_select_parse! { @names $names @cases $cases @default [{ $body }] $($($rest)*)? }
    };
    // pat = expr, if cond => block,
    (@names [($n:ident $i:literal) $($ns:tt)*] @cases [$($cases:tt)*] @default $d:tt
        $p:pat = $e:expr, if $c:expr => $body:block, $($rest:tt)*) => {
        $crate::__goro_select_parse! { @names [$($ns)*] @cases [$($cases)* ($n, $i, $p, $e, $c, $body)] @default $d $($rest)* }
    };
    // pat = expr, if cond => block
    (@names [($n:ident $i:literal) $($ns:tt)*] @cases [$($cases:tt)*] @default $d:tt
        $p:pat = $e:expr, if $c:expr => $body:block $($rest:tt)*) => {
        $crate::__goro_select_parse! { @names [$($ns)*] @cases [$($cases)* ($n, $i, $p, $e, $c, $body)] @default $d $($rest)* }
    };
    // pat = expr, if cond => expr
    (@names [($n:ident $i:literal) $($ns:tt)*] @cases [$($cases:tt)*] @default $d:tt
        $p:pat = $e:expr, if $c:expr => $body:expr $(, $($rest:tt)*)?) => {
        $crate::__goro_select_parse! { @names [$($ns)*] @cases [$($cases)* ($n, $i, $p, $e, $c, { $body })] @default $d $($($rest)*)? }
    };
    // pat = expr => block,
    (@names [($n:ident $i:literal) $($ns:tt)*] @cases [$($cases:tt)*] @default $d:tt
        $p:pat = $e:expr => $body:block, $($rest:tt)*) => {
        $crate::__goro_select_parse! { @names [$($ns)*] @cases [$($cases)* ($n, $i, $p, $e, true, $body)] @default $d $($rest)* }
    };
    // pat = expr => block
    (@names [($n:ident $i:literal) $($ns:tt)*] @cases [$($cases:tt)*] @default $d:tt
        $p:pat = $e:expr => $body:block $($rest:tt)*) => {
        $crate::__goro_select_parse! { @names [$($ns)*] @cases [$($cases)* ($n, $i, $p, $e, true, $body)] @default $d $($rest)* }
    };
    // pat = expr => expr
    (@names [($n:ident $i:literal) $($ns:tt)*] @cases [$($cases:tt)*] @default $d:tt
        $p:pat = $e:expr => $body:expr $(, $($rest:tt)*)?) => {
        $crate::__goro_select_parse! { @names [$($ns)*] @cases [$($cases)* ($n, $i, $p, $e, true, { $body })] @default $d $($($rest)*)? }
    };
    // all parsed, no default
    (@names $names:tt @cases [$(($n:ident, $i:literal, $p:pat, $e:expr, $c:expr, $body:block))*] @default []) => {
        $crate::__goro_select_emit! { [$(($n, $i, $p, $e, $c, $body))*] false { ::core::unreachable!("goro: select without default chose default") } }
    };
    // all parsed, with default
    (@names $names:tt @cases [$(($n:ident, $i:literal, $p:pat, $e:expr, $c:expr, $body:block))*] @default [$d:block]) => {
        $crate::__goro_select_emit! { [$(($n, $i, $p, $e, $c, $body))*] true $d }
    };
    (@names [] $($rest:tt)*) => {
        ::core::compile_error!("goro::select!: at most 32 cases (use goro::Select)")
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __goro_select_emit {
    ([$(($n:ident, $i:literal, $p:pat, $e:expr, $c:expr, $body:block))*] $has_default:tt $d:block) => {{
        #[allow(unused_imports)]
        use $crate::select::__private::{ViaChan as _, ViaFuture as _};
        $(
            let mut $n = ::core::pin::pin!(
                if $c {
                    ::core::option::Option::Some(
                        (&mut $crate::select::__private::Wrap(::core::option::Option::Some($e)))
                            .__goro_case(),
                    )
                } else {
                    ::core::option::Option::None
                }
            );
        )*
        let __goro_won: ::core::option::Option<usize> = $crate::select::__private::SelectFut::new(
            $crate::select::__private::IntoCases::into_cases(($($n.as_mut(),)*)),
            $has_default,
        )
        .await;
        match __goro_won {
            $(
                ::core::option::Option::Some($i) => {
                    let $p = $crate::select::__private::take_output($n.as_mut());
                    $body
                }
            )*
            _ => $d,
        }
    }};
}
