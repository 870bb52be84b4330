// The nginx configuration of the benches: one proxy to the backend with upstream keep-alive,
// plain or TLS + HTTP/2 (`tls` adds the listener's TLS lines). Returns the process to start.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function nginxProxy({ dir, port, backendPort, tools, nofile, workers = 1, tls }) {
  for (const tmp of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, tmp));
  const listen = tls
    ? `listen 127.0.0.1:${port} ssl http2;
    ssl_certificate ${tls.cert};
    ssl_certificate_key ${tls.key};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers ${tls.ciphers};
    ssl_prefer_server_ciphers on;`
    : `listen 127.0.0.1:${port};`;
  writeFileSync(join(dir, 'nginx.conf'), `
daemon off;
worker_processes ${workers};
worker_rlimit_nofile ${nofile};
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections ${nofile - 100}; }
http {
  access_log off;
  keepalive_timeout 300s;
  keepalive_requests 1000000;
  ${tls ? 'http2_max_requests 1000000;' : ''}
  client_body_temp_path ${join(dir, 'body')};
  proxy_temp_path ${join(dir, 'proxy')};
  fastcgi_temp_path ${join(dir, 'fastcgi')};
  uwsgi_temp_path ${join(dir, 'uwsgi')};
  scgi_temp_path ${join(dir, 'scgi')};
  upstream backend { server 127.0.0.1:${backendPort}; keepalive 64; }
  server {
    ${listen}
    location / {
      proxy_pass http://backend;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`);
  return { cmd: tools.nginx, args: ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')] };
}
