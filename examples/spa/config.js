// Where the API lives. Empty: the origin this page was served from (Caddy in production, or the
// development server's /demo/). For an API on another origin, set its origin here, e.g.
// "https://api.example.com", and list this page's origin in the API's CORS_ORIGINS.
export const API_BASE = "";
