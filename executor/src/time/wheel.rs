//! The hierarchical timer wheel (being written).
