//! C ABI for iotcard (work in progress).
