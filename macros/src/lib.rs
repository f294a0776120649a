//! # corio-macros: `#[corio::main]` and `#[corio::test]`
//!
//! The two attributes that turn an `async fn` into a plain one that runs it on a new corio
//! runtime. Use them through the `corio` crate (`#[corio::main]`, `#[corio::test]`): the code
//! they expand to reaches the runtime as `::corio::__private`, so `corio` is the only
//! dependency a program needs.
//!
//! ## Expansion
//! `#[corio::main(start_paused = B)] async fn main() -> R { body }` becomes
//! `fn main() -> R { ::corio::__private::block_on(B, async move { body }) }`: a new runtime
//! (with the paused clock if `B` is `true`; the real clock by default) drives the body to
//! completion and is then dropped, which cancels every task still alive, as `corio::run`
//! does. `#[corio::test]` expands the same way and adds `#[test]`.
//!
//! ```
//! #[corio::main(start_paused = true)]
//! async fn main() {
//!     let start = corio::time::Instant::now();
//!     corio::time::sleep(std::time::Duration::from_secs(3600)).await;
//!     // The paused clock jumped the hour: the program did not wait for it.
//!     assert_eq!(start.elapsed().as_secs(), 3600);
//! }
//! ```
//!
//! ## Misuse
//! Each mistake is a `compile_error!` pointing at the tokens at fault: a function without
//! `async`, parameters, generic parameters, an unknown or repeated option, a `start_paused`
//! that is not `true` or `false`, and a `#[test]` written beside `#[corio::test]`.

use proc_macro::TokenStream;
use proc_macro2::TokenStream as TokenStream2;
use quote::{quote, quote_spanned, ToTokens};
use syn::spanned::Spanned;
use syn::{Error, ItemFn, LitBool};

/// Runs an `async fn main` on a new corio runtime.
///
/// The function becomes a plain `fn` that builds a runtime, drives the body to completion
/// and returns its output (so `async fn main() -> Result<(), E>` works as `fn main` does),
/// then drops the runtime, cancelling every task still alive. The clock is the real one
/// unless you write `#[corio::main(start_paused = true)]`.
///
/// ```
/// use std::time::Duration;
///
/// #[corio::main]
/// async fn main() {
///     let greeter = corio::spawn(async { "hello" });
///     corio::time::sleep(Duration::from_millis(10)).await;
///     assert_eq!(greeter.await.unwrap(), "hello");
/// }
/// ```
///
/// With a `Result`, and `?` inside:
///
/// ```
/// #[corio::main]
/// async fn main() -> Result<(), std::num::ParseIntError> {
///     let n: u32 = "42".parse()?;
///     corio::yield_now().await;
///     assert_eq!(n, 42);
///     Ok(())
/// }
/// ```
///
/// The function must be `async`:
///
/// ```compile_fail
/// #[corio::main]
/// fn main() {}
/// ```
///
/// `main` takes no arguments (read `std::env::args()` instead):
///
/// ```compile_fail
/// #[corio::main]
/// async fn main(args: Vec<String>) {}
/// ```
///
/// The only option is `start_paused`:
///
/// ```compile_fail
/// #[corio::main(flavor = "multi_thread")]
/// async fn main() {}
/// ```
#[proc_macro_attribute]
pub fn main(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Kind::Main, args, item)
}

/// Runs an `async fn` test on a new corio runtime: `#[test]` for async code.
///
/// Each test gets its own runtime, dropped when the test returns, so no task outlives it.
/// The clock is the real one by default, as in `#[corio::main]`; with
/// `#[corio::test(start_paused = true)]` it is the paused clock: time stands still while a
/// task can run and jumps to the next timer when none can, so timing tests are instant and
/// exact.
///
/// ```
/// use corio::time::{sleep, Instant};
/// use std::time::Duration;
///
/// #[corio::test(start_paused = true)]
/// async fn an_hour_passes_at_once() {
///     let start = Instant::now();
///     sleep(Duration::from_secs(3600)).await;
///     assert_eq!(start.elapsed(), Duration::from_secs(3600));
/// }
/// ```
///
/// (A doctest compiles that test but does not run it; `corio/tests/macros.rs` runs the same.)
///
/// `start_paused` takes `true` or `false`:
///
/// ```compile_fail
/// #[corio::test(start_paused = "yes")]
/// async fn paused() {}
/// ```
///
/// `#[corio::test]` already adds `#[test]`:
///
/// ```compile_fail
/// #[corio::test]
/// #[test]
/// async fn twice() {}
/// ```
///
/// A test takes no arguments:
///
/// ```compile_fail
/// #[corio::test]
/// async fn with_input(n: u32) {}
/// ```
#[proc_macro_attribute]
pub fn test(args: TokenStream, item: TokenStream) -> TokenStream {
    expand(Kind::Test, args, item)
}

#[derive(Clone, Copy, PartialEq)]
enum Kind {
    Main,
    Test,
}

impl Kind {
    fn attribute(self) -> &'static str {
        match self {
            Kind::Main => "#[corio::main]",
            Kind::Test => "#[corio::test]",
        }
    }
}

/// The attribute's arguments.
#[derive(Default)]
struct Options {
    /// `start_paused = true`, kept as written so errors in the expansion point at it.
    start_paused: Option<LitBool>,
}

fn expand(kind: Kind, args: TokenStream, item: TokenStream) -> TokenStream {
    let function = match syn::parse::<ItemFn>(item) {
        Ok(function) => function,
        // Not a function at all: syn's own message ("expected `fn`") says so.
        Err(error) => return error.to_compile_error().into(),
    };
    let expanded = parse_options(kind, args)
        .and_then(|options| check(kind, &function).map(|()| options))
        .map(|options| rewrite(kind, options, function.clone()));
    match expanded {
        Ok(tokens) => tokens.into(),
        Err(error) => {
            let mut tokens = error.to_compile_error();
            if kind == Kind::Main {
                // A stand-in, so that rustc does not add "no `main` function" to our error.
                let name = &function.sig.ident;
                tokens.extend(quote!(fn #name() {}));
            }
            tokens.into()
        }
    }
}

fn parse_options(kind: Kind, args: TokenStream) -> Result<Options, Error> {
    let mut options = Options::default();
    let parser = syn::meta::parser(|meta| {
        if !meta.path.is_ident("start_paused") {
            let name = meta.path.to_token_stream().to_string().replace(' ', "");
            return Err(meta.error(format!(
                "unknown option `{name}` for {}: the only option is `start_paused = true` \
                 (or `false`)",
                kind.attribute()
            )));
        }
        if options.start_paused.is_some() {
            return Err(meta.error("`start_paused` is given twice"));
        }
        if !meta.input.peek(syn::Token![=]) {
            return Err(meta.error("write `start_paused = true` or `start_paused = false`"));
        }
        let value = meta.value()?;
        let literal: LitBool = value
            .parse()
            .map_err(|error| Error::new(error.span(), "`start_paused` takes `true` or `false`"))?;
        options.start_paused = Some(literal);
        Ok(())
    });
    syn::parse::Parser::parse(parser, args)?;
    Ok(options)
}

fn check(kind: Kind, function: &ItemFn) -> Result<(), Error> {
    let attribute = kind.attribute();
    let sig = &function.sig;
    let name = &sig.ident;
    if sig.asyncness.is_none() {
        return Err(Error::new(
            sig.fn_token.span,
            format!("{attribute} goes on an `async fn`: write `async fn {name}`"),
        ));
    }
    if !sig.inputs.is_empty() {
        let why = match kind {
            Kind::Main => "read `std::env::args()` for the command line",
            Kind::Test => "a test is called with none",
        };
        return Err(Error::new_spanned(
            &sig.inputs,
            format!("a {attribute} function takes no arguments: {why}"),
        ));
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        return Err(Error::new_spanned(
            &sig.generics,
            format!("a {attribute} function cannot be generic"),
        ));
    }
    if kind == Kind::Test {
        if let Some(extra) = function.attrs.iter().find(|a| a.path().is_ident("test")) {
            return Err(Error::new_spanned(
                extra,
                "#[corio::test] already makes this function a #[test]: remove this attribute",
            ));
        }
    }
    Ok(())
}

fn rewrite(kind: Kind, options: Options, mut function: ItemFn) -> TokenStream2 {
    let start_paused = match options.start_paused {
        Some(literal) => literal.into_token_stream(),
        None => quote!(false),
    };
    function.sig.asyncness = None;
    let ItemFn {
        attrs,
        vis,
        sig,
        block,
    } = function;
    // Spanned at the body: a body whose output does not match the declared return type
    // is reported there, not at the attribute.
    let run = quote_spanned! {block.span()=>
        ::corio::__private::block_on(#start_paused, async move #block)
    };
    let test = match kind {
        Kind::Test => quote!(#[::core::prelude::v1::test]),
        Kind::Main => quote!(),
    };
    quote! {
        #test
        #(#attrs)*
        #vis #sig {
            #run
        }
    }
}
