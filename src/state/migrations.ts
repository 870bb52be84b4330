/**
 * Schema migrations, applied in order and recorded in `PRAGMA user_version`.
 * Never edit a shipped migration; append a new one.
 */
import type Database from 'better-sqlite3';

const MIGRATIONS: string[] = [
  `
  CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);

  CREATE TABLE apps (
    name TEXT PRIMARY KEY,
    spec_json TEXT NOT NULL,
    spec_hash TEXT NOT NULL,
    release INTEGER NOT NULL,
    -- replicas set by 'berth scale', and the file's value it was set against
    scaled_replicas INTEGER,
    scaled_from INTEGER,
    stopped INTEGER NOT NULL DEFAULT 0,
    updated_at INTEGER NOT NULL
  );

  CREATE TABLE releases (
    app TEXT NOT NULL,
    number INTEGER NOT NULL,
    spec_hash TEXT NOT NULL,
    spec_json TEXT NOT NULL,
    source TEXT NOT NULL,
    trigger TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (app, number)
  );

  CREATE TABLE replicas (
    id TEXT PRIMARY KEY,
    app TEXT NOT NULL,
    release INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    pid INTEGER,
    port INTEGER,
    state TEXT NOT NULL,
    updated_at INTEGER NOT NULL
  );

  CREATE TABLE events (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts INTEGER NOT NULL,
    app TEXT,
    level TEXT NOT NULL,
    kind TEXT NOT NULL,
    message TEXT NOT NULL,
    data_json TEXT
  );
  CREATE INDEX events_app ON events (app, id);

  CREATE TABLE logs (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ts INTEGER NOT NULL,
    app TEXT NOT NULL,
    replica TEXT NOT NULL,
    stream TEXT NOT NULL,
    text TEXT NOT NULL
  );
  CREATE INDEX logs_app ON logs (app, id);
  `,
  // Deploys: a release has a status; an app has the release that serves (active_release)
  // besides the one being rolled out (release), and deploy overrides of berth.yaml.
  `
  ALTER TABLE releases ADD COLUMN status TEXT NOT NULL DEFAULT 'retired';
  ALTER TABLE releases ADD COLUMN strategy TEXT NOT NULL DEFAULT 'blue_green';
  ALTER TABLE releases ADD COLUMN source_dir TEXT;
  ALTER TABLE releases ADD COLUMN source_checksum TEXT;
  ALTER TABLE releases ADD COLUMN reason TEXT;
  ALTER TABLE releases ADD COLUMN failure_json TEXT;
  ALTER TABLE releases ADD COLUMN finished_at INTEGER;
  ALTER TABLE apps ADD COLUMN active_release INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE apps ADD COLUMN overrides_json TEXT;
  ALTER TABLE apps ADD COLUMN file_hash TEXT;
  -- 'serve', 'pause' or 'maintenance', and how long a paused request may be held
  ALTER TABLE apps ADD COLUMN mode TEXT NOT NULL DEFAULT 'serve';
  ALTER TABLE apps ADD COLUMN pause_max_ms INTEGER;
  UPDATE apps SET active_release = release;
  UPDATE releases SET status = 'active'
    WHERE number = (SELECT release FROM apps WHERE apps.name = releases.app);
  `,
];

export function migrate(db: Database.Database): void {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > MIGRATIONS.length) {
    throw new Error(`state database is at schema version ${current}, newer than this berth (${MIGRATIONS.length}); upgrade berth`);
  }
  for (let v = current; v < MIGRATIONS.length; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
}
