//! Placeholder until the WeChat API client lands.
