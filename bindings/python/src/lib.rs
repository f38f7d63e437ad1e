//! Python binding for iotcard (work in progress).
