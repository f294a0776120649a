//! Workloads shared by the criterion benchmarks in `benches/`.
