import { openDatabase, openMemoryDatabase, type Db } from './db.js';
import { AppsRepo } from './apps.js';
import { EventsRepo } from './events.js';
import { LogStore } from './logs.js';
import { MetaRepo } from './meta.js';
import { ReleasesRepo } from './releases.js';
import { ReplicasRepo } from './replicas.js';

export type { AppMode, AppRow, DeployOverrides } from './apps.js';
export type { BerthEvent, NewEvent, EventLevel } from './events.js';
export type { StoredLogLine } from './logs.js';
export type { NewRelease, ReleaseFailure, ReleaseRow, ReleaseStatus, Strategy } from './releases.js';
export type { ReplicaRow } from './replicas.js';

/** All repositories over one database. */
export class State {
  readonly meta: MetaRepo;
  readonly apps: AppsRepo;
  readonly releases: ReleasesRepo;
  readonly replicas: ReplicasRepo;
  readonly events: EventsRepo;
  readonly logs: LogStore;

  constructor(readonly db: Db) {
    this.meta = new MetaRepo(db);
    this.apps = new AppsRepo(db);
    this.releases = new ReleasesRepo(db);
    this.replicas = new ReplicasRepo(db);
    this.events = new EventsRepo(db);
    this.logs = new LogStore(db);
  }

  static open(dataDir: string): State {
    return new State(openDatabase(dataDir));
  }

  static memory(): State {
    return new State(openMemoryDatabase());
  }

  close(): void {
    this.logs.close();
    this.db.close();
  }
}
