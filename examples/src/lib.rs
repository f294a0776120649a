//! The corio tutorial's programs. Each example in `examples/` is one idea of the README.
