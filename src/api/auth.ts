import { createHash, timingSafeEqual } from "node:crypto";
import type { RequestHandler } from "express";
import type { Settings } from "../config/settings.ts";
import { ConfigError } from "../errors.ts";
import { HttpProblem } from "./problem.ts";

/**
 * Optional bearer-token auth for /v1/*. Keys come from API_KEYS (ask, search, ...) and
 * ADMIN_API_KEYS (admin endpoints; an admin key is also a valid API key). When API_KEYS is empty
 * the API is open, but admin endpoints still need an admin key, and are off without any.
 * Keys are compared in constant time (SHA-256 digests of equal length, every key checked, no
 * early exit) and never logged: requests are identified by a key id, a short hash prefix that
 * cannot be turned back into the key.
 */
export interface ApiAuth {
  readonly enabled: boolean;
  readonly adminEnabled: boolean;
  /** Sets res.locals.keyId (and isAdmin) when the request carries a valid key; never rejects (runs before the rate limiter). */
  identify: RequestHandler;
  /** Rejects with 401 problem+json when keys are configured and the request has no valid one. */
  enforce: RequestHandler;
  /** For admin routes: 403 when ADMIN_API_KEYS is empty, 401 without a valid key, 403 with a non-admin key. */
  requireAdmin: RequestHandler;
}

const sha256 = (value: string) => createHash("sha256").update(value, "utf8").digest();

export function keyIdOf(key: string): string {
  return `key_${sha256(`kpo-key-id:${key}`).toString("hex").slice(0, 12)}`;
}

interface Key {
  digest: Buffer;
  id: string;
  admin: boolean;
}

function parseKeys(keys: string[], setting: string, admin: boolean): Key[] {
  return keys.map((key) => {
    if (/\s/.test(key)) throw new ConfigError(setting, "an API key must not contain whitespace");
    return { digest: sha256(key), id: keyIdOf(key), admin };
  });
}

const bearerToken = (header: string | undefined) => header?.match(/^Bearer[ \t]+(\S+)[ \t]*$/i)?.[1];

export function createAuth(settings: Pick<Settings, "API_KEYS"> & Partial<Pick<Settings, "ADMIN_API_KEYS">>): ApiAuth {
  const userKeys = parseKeys(settings.API_KEYS, "API_KEYS", false);
  const adminKeys = parseKeys(settings.ADMIN_API_KEYS ?? [], "ADMIN_API_KEYS", true);
  const keys = [...userKeys, ...adminKeys];
  const enabled = userKeys.length > 0;
  const adminEnabled = adminKeys.length > 0;

  const match = (token: string): Key | undefined => {
    const digest = sha256(token);
    let found: Key | undefined;
    for (const key of keys) {
      // Every key is compared; the loop does not stop at the first match.
      if (timingSafeEqual(digest, key.digest) && found === undefined) found = key;
    }
    return found;
  };

  const identify: RequestHandler = (req, res, next) => {
    if (keys.length === 0) return next();
    const token = bearerToken(req.get("authorization"));
    const key = token === undefined ? undefined : match(token);
    if (key) {
      res.locals.keyId = key.id;
      res.locals.isAdmin = key.admin;
    }
    next();
  };

  const unauthorized = (presented: boolean) =>
    new HttpProblem(401, presented ? "the API key is not valid" : "send an API key as Authorization: Bearer <key>", {
      headers: { "WWW-Authenticate": presented ? 'Bearer realm="kpo", error="invalid_token"' : 'Bearer realm="kpo"' },
    });

  const enforce: RequestHandler = (req, res, next) => {
    if (!enabled || res.locals.keyId !== undefined) return next();
    next(unauthorized(req.get("authorization") !== undefined));
  };

  const requireAdmin: RequestHandler = (req, res, next) => {
    if (!adminEnabled) return next(new HttpProblem(403, "admin endpoints are turned off on this server: set ADMIN_API_KEYS to use them"));
    if (res.locals.isAdmin) return next();
    if (res.locals.keyId !== undefined) return next(new HttpProblem(403, "this endpoint needs an admin key (ADMIN_API_KEYS)"));
    next(unauthorized(req.get("authorization") !== undefined));
  };

  return { enabled, adminEnabled, identify, enforce, requireAdmin };
}
