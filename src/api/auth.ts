import { createHash, timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";
import type { Settings } from "../config/settings.ts";
import { ConfigError } from "../errors.ts";
import { HttpProblem } from "./problem.ts";

/**
 * Optional bearer-token auth for /v1/*. Keys come from API_KEYS; when the list is empty the API
 * is open. Keys are compared in constant time (SHA-256 digests of equal length, every key
 * checked, no early exit) and never logged: requests are identified by a key id, a short hash
 * prefix that cannot be turned back into the key.
 */
export interface ApiAuth {
  readonly enabled: boolean;
  /** Sets res.locals.keyId when the request carries a valid key; never rejects (runs before the rate limiter). */
  identify: RequestHandler;
  /** Rejects with 401 problem+json when keys are configured and the request has no valid one. */
  enforce: RequestHandler;
}

const sha256 = (value: string) => createHash("sha256").update(value, "utf8").digest();

export function keyIdOf(key: string): string {
  return `key_${sha256(`kpo-key-id:${key}`).toString("hex").slice(0, 12)}`;
}

export function createAuth(settings: Pick<Settings, "API_KEYS">): ApiAuth {
  const keys = settings.API_KEYS.map((key) => {
    if (/\s/.test(key)) throw new ConfigError("API_KEYS", "an API key must not contain whitespace");
    return { digest: sha256(key), id: keyIdOf(key) };
  });
  const enabled = keys.length > 0;

  const match = (token: string): string | undefined => {
    const digest = sha256(token);
    let found: string | undefined;
    for (const key of keys) {
      // Every key is compared; the loop does not stop at the first match.
      if (timingSafeEqual(digest, key.digest) && found === undefined) found = key.id;
    }
    return found;
  };

  const identify: RequestHandler = (req, res, next) => {
    if (!enabled) return next();
    const header = req.get("authorization");
    const token = header?.match(/^Bearer[ \t]+(\S+)[ \t]*$/i)?.[1];
    if (token !== undefined) res.locals.keyId = match(token);
    next();
  };

  const enforce: RequestHandler = (req, res, next) => {
    if (!enabled || res.locals.keyId !== undefined) return next();
    const presented = req.get("authorization") !== undefined;
    next(
      new HttpProblem(401, presented ? "the API key is not valid" : "send an API key as Authorization: Bearer <key>", {
        headers: { "WWW-Authenticate": presented ? 'Bearer realm="kpo", error="invalid_token"' : 'Bearer realm="kpo"' },
      }),
    );
  };

  return { enabled, identify, enforce };
}
