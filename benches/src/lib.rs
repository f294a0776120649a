//! corio's benchmarks: the criterion benches live in `benches/benches/`, one file per crate,
//! each workload a criterion group with corio and its peers side by side. This library holds
//! what the `bench-table` command needs to turn their results into the README's table.

pub mod table;
