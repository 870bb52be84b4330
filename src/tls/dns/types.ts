/** The DNS-01 provider contract: publish and remove one `_acme-challenge` TXT value. */

export interface DnsRecord {
  /** The record's name, e.g. `_acme-challenge.example.com` (no trailing dot). */
  fqdn: string;
  /** The TXT value (the key authorization digest). */
  value: string;
}

export interface DnsProvider {
  /** `rfc2136` or `cloudflare`. */
  readonly name: string;
  /**
   * Publishes one TXT value at `fqdn`, next to any values already there (a wildcard and its
   * apex need two values at one name at the same time).
   */
  present(record: DnsRecord): Promise<void>;
  /** Removes exactly that value; a value that is already gone is not an error. */
  cleanup(record: DnsRecord): Promise<void>;
}
