/** The commented starter `berth.yaml` written by `berth init`. */

export const STARTER_YAML = `# berth.yaml: everything Berth runs and routes on this server.
# Reference: docs/berth-yaml.md. Apply changes with "berth apply" (or restart "berth up").
#
# Any string value may use \${VAR} or \${VAR:-default}; variables come from the environment
# of "berth up", then from env_file. Write $$ for a literal $.

# env_file: .env               # KEY=VALUE lines, relative to this file

edge:                          # the edge proxy every request comes through
  # http: 8080                 # port or "host:port"; default 80 as root, else 8080
  # https: 8443               # HTTPS + HTTP/2; plain HTTP then redirects to it (308)
  # workers: auto              # edge processes: one per core; 1 keeps it inside the daemon
  # certificates:              # PEM files; hosts they don't cover get a local-CA certificate
  #   - { cert: certs/example.pem, key: certs/example.key }
  # trusted_proxies: [10.0.0.0/8]  # believe X-Forwarded-For only from these peers
  # access_log: true           # JSON lines in <data-dir>/logs/access.log, rotated

api:
  listen: 127.0.0.1:7070       # the CLI and dashboard talk to the daemon here

runtime:
  port_range: 20000-29999      # $PORT values for replicas are picked from this range

apps:                          # names: lower case, digits and -, starting with a letter
  # A static site: the edge serves files from a directory.
  site:
    static: ./site             # directory relative to this file; must exist
    domains: [example.com, www.example.com]   # each domain routes "/" to this app
    cache: { max_age: 1h, immutable: [/assets] }  # HTML is always revalidated
    # spa: true                # unknown paths without an extension get /index.html

  # A process app: Berth starts the command, passes $PORT and balances requests
  # across its replicas.
  api:
    command: ["node", "server.js"]  # argv list; a string is split into words (no shell)
    cwd: ./api                 # working directory, relative to this file (default: here)
    replicas: 2                # how many copies to run; 0 stops the app
    # port: 5000               # fixed port instead of $PORT (then replicas must be 1)
    env:                       # extra environment; values become strings
      NODE_ENV: production
      LOG_LEVEL: \${LOG_LEVEL:-info}
    routes:                    # host + path prefix → this app
      - host: example.com      # exact host, "*.example.com" or "*"; omit to use domains:
        path: /api             # path prefix (default /)
        strip_prefix: true     # the app sees /users instead of /api/users
    # domains: [api.example.com]  # shorthand for routes on "/"
    health:                    # a replica gets traffic only while this passes
      path: /health            # GET this path; 2xx/3xx is healthy
      interval: 10s            # time between checks
      timeout: 2s              # must be shorter than interval
      healthy_threshold: 1     # passes in a row to become healthy
      unhealthy_threshold: 3   # failures in a row to become unhealthy
      start_period: 5s         # failures right after start don't count
    balance: least_conn        # round_robin (default) or least_conn
    # Route policy (here for every route of the app; a route may override any key):
    # security headers are on by default; compression, HSTS and the HTTPS redirect too.
    headers:
      csp: "default-src 'self'"  # replaces the preset's Content-Security-Policy
    rate_limit: { rate: 20/s, burst: 40 }  # per client IP; over it → 429
    # allow: [10.0.0.0/8]      # only these clients; deny: [...] refuses some
    # basic_auth: { users: { admin: "$2y$10$…" } }  # htpasswd -nB admin
    max_body: 10MB             # larger request bodies → 413
    resources:
      memory: 384MB            # per replica; units are powers of 1024
      cpu: 0.5                 # fraction of one core
    stop:
      signal: SIGTERM          # sent first on stop or deploy
      grace: 10s               # then SIGKILL after this long
`;
