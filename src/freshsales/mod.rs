//! Freshsales Suite wire types (in progress).
