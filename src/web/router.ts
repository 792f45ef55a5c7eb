import path from "node:path";
import express, { Router, type RequestHandler } from "express";
import helmet from "helmet";

/** The page's files: plain HTML, CSS and ES-module JavaScript, served as they are (no build step). */
export const WEB_ROOT = path.join(import.meta.dirname, "public");

/**
 * The page allows only its own files: no inline script or style, no other origin, and Trusted
 * Types with no policy, so assigning a string to innerHTML (or any other HTML sink) throws in
 * browsers that enforce it. The page only calls the HTTP API of the same origin.
 */
export const PAGE_CSP_DIRECTIVES = {
  defaultSrc: ["'none'"],
  scriptSrc: ["'self'"],
  styleSrc: ["'self'"],
  imgSrc: ["'self'"],
  fontSrc: ["'self'"],
  connectSrc: ["'self'"],
  manifestSrc: ["'self'"],
  baseUri: ["'none'"],
  formAction: ["'self'"],
  frameAncestors: ["'none'"],
  requireTrustedTypesFor: ["'script'"],
  trustedTypes: ["'none'"],
};

const pageCsp = helmet.contentSecurityPolicy({ useDefaults: false, directives: PAGE_CSP_DIRECTIVES });

const label =
  (route: string): RequestHandler =>
  (_req, res, next) => {
    res.locals.route = route;
    next();
  };

/**
 * The onboarding page at `/` and its files under `/assets/`. A surface like src/api: it holds
 * no data and calls only the HTTP API, so it needs no API key itself (the API calls do, when
 * API_KEYS is set; the page asks for one and sends it as a bearer token).
 */
export function webRoutes(): Router {
  const router = Router();
  const noCache: RequestHandler = (_req, res, next) => {
    // Revalidate every time (ETag): an upgraded server never leaves an old page in a browser.
    res.setHeader("Cache-Control", "no-cache");
    next();
  };
  router.get("/", label("/"), pageCsp, noCache, (_req, res) => {
    // Relative to `root`: send's dotfile rule then looks at "index.html" only, not at the folders the
    // project sits in (a checkout under ~/.local or .ci-out/ would otherwise answer 404).
    res.sendFile("index.html", { root: WEB_ROOT });
  });
  router.use(
    "/assets",
    label("/assets"),
    pageCsp,
    noCache,
    express.static(path.join(WEB_ROOT, "assets"), { index: false, redirect: false, fallthrough: true, dotfiles: "ignore", cacheControl: false }),
  );
  return router;
}
