import { deepStrictEqual, ok, strictEqual, throws } from "node:assert/strict";
import { createHash } from "node:crypto";
import fc from "../amf/_fast_check.ts";
import {
  adobeAuthQuery,
  adobeAuthResponse,
  AuthError,
  llnwAppPath,
  llnwAuthQuery,
  llnwAuthResponse,
  parseAuthRejection,
  PublisherAuthClient,
  type PublisherAuthDecision,
  PublisherAuthServer,
  rejectionDescription,
} from "../../src/auth/mod.ts";

/** The formulas written out with node:crypto, independently of src/crypto/md5.ts. */
function nodeB64Md5(text: string): string {
  return createHash("md5").update(text).digest("base64");
}
function nodeHexMd5(text: string): string {
  return createHash("md5").update(text).digest("hex");
}

Deno.test("adobeAuthResponse known answers (computed with Python's hashlib)", () => {
  const base = { user: "alice", password: "secret", salt: "a1b2c3d4", challenge: "0f0e0d0c" };
  strictEqual(
    adobeAuthResponse({ ...base, opaque: "99887766", clientChallenge: "12345678" }),
    "pDPbFYE4N2KlKf9W9UZEKQ==",
  );
  // Without opaque (or with an empty one, as librtmp treats it) the challenge is used.
  strictEqual(
    adobeAuthResponse({ ...base, clientChallenge: "12345678" }),
    "3ckWx7urO+BKCCBHwrfRdQ==",
  );
  strictEqual(
    adobeAuthResponse({ ...base, opaque: "", clientChallenge: "12345678" }),
    "3ckWx7urO+BKCCBHwrfRdQ==",
  );
  // librtmp's client challenge is base64 of 4 bytes.
  strictEqual(
    adobeAuthResponse({ ...base, opaque: "99887766", clientChallenge: "AQIDBA==" }),
    "rfMgWQ7vIB3tlVcoSAYQnQ==",
  );
});

Deno.test("llnwAuthResponse known answers and the /_definst_ rule", () => {
  const base = { user: "alice", password: "secret", nonce: "abcdef01", cnonce: "12345678" };
  strictEqual(llnwAuthResponse({ ...base, app: "live" }), "41bdbd149892c6ee5c442c2accd03ddd");
  strictEqual(
    llnwAuthResponse({ ...base, app: "live?authmod=llnw&user=alice" }),
    "41bdbd149892c6ee5c442c2accd03ddd",
  );
  strictEqual(
    llnwAuthResponse({ ...base, app: "live/inst" }),
    "f55242e11deadae4e29282142b97d647",
  );
  strictEqual(llnwAppPath("live"), "live/_definst_");
  strictEqual(llnwAppPath("live/x?y=1"), "live/x");
  strictEqual(llnwAppPath(""), "/_definst_");
});

Deno.test("auth responses equal the formulas computed with node:crypto", () => {
  const token = fc.stringMatching(/^[A-Za-z0-9+/=_.-]{0,20}$/);
  fc.assert(
    fc.property(token, token, token, token, token, token, (user, password, salt, ch, op, cc) => {
      const expectedAdobe = nodeB64Md5(nodeB64Md5(user + salt + password) + (op || ch) + cc);
      strictEqual(
        adobeAuthResponse({
          user,
          password,
          salt,
          challenge: ch,
          opaque: op,
          clientChallenge: cc,
        }),
        expectedAdobe,
      );
      const app = salt.replace(/=/g, "");
      const path = app.includes("/") ? app : app + "/_definst_";
      const expectedLlnw = nodeHexMd5(
        `${nodeHexMd5(`${user}:live:${password}`)}:${ch}:00000001:${cc}:auth:${
          nodeHexMd5(`publish:/${path}`)
        }`,
      );
      strictEqual(
        llnwAuthResponse({ user, password, nonce: ch, cnonce: cc, app }),
        expectedLlnw,
      );
    }),
  );
});

Deno.test("auth queries are written in ffmpeg's order", () => {
  const adobe = {
    user: "u",
    password: "p",
    salt: "s",
    challenge: "c",
    clientChallenge: "0000abcd",
  };
  const r1 = adobeAuthResponse({ ...adobe, opaque: "o" });
  strictEqual(
    adobeAuthQuery({ ...adobe, opaque: "o" }),
    `?authmod=adobe&user=u&challenge=0000abcd&response=${r1}&opaque=o`,
  );
  const r2 = adobeAuthResponse(adobe);
  strictEqual(adobeAuthQuery(adobe), `?authmod=adobe&user=u&challenge=0000abcd&response=${r2}`);
  const llnw = { user: "u", password: "p", nonce: "n", cnonce: "0000abcd", app: "live" };
  strictEqual(
    llnwAuthQuery(llnw),
    `?authmod=llnw&user=u&nonce=n&cnonce=0000abcd&nc=00000001&response=${llnwAuthResponse(llnw)}`,
  );
});

Deno.test("parseAuthRejection reads the server forms", () => {
  const need = parseAuthRejection(
    "[ AccessManager.Reject ] : [ code=403 need auth; authmod=adobe ] : ",
  );
  deepStrictEqual(need, { method: "adobe", kind: "need-user", params: new Map() });
  const challenge = parseAuthRejection(
    "[ AccessManager.Reject ] : [ authmod=adobe ] : ?reason=needauth&user=bob&salt=Kx2f==&challenge=ch&opaque=op",
  );
  strictEqual(challenge?.kind, "challenge");
  deepStrictEqual(
    [...challenge!.params],
    [["reason", "needauth"], ["user", "bob"], ["salt", "Kx2f=="], ["challenge", "ch"], [
      "opaque",
      "op",
    ]],
  );
  strictEqual(parseAuthRejection("x authmod=llnw ?reason=authfail")?.kind, "auth-failed");
  strictEqual(parseAuthRejection("x authmod=llnw ?reason=authfailed")?.kind, "auth-failed");
  strictEqual(parseAuthRejection("x authmod=adobe ?reason=nosuchuser")?.kind, "no-such-user");
  strictEqual(parseAuthRejection("x authmod=adobe ?reason=other")?.kind, "unknown");
  strictEqual(parseAuthRejection("Connection failed: application not found"), undefined);
});

Deno.test("rejectionDescription round-trips through parseAuthRejection", () => {
  for (const method of ["adobe", "llnw"] as const) {
    for (const kind of ["need-user", "challenge", "auth-failed", "no-such-user"] as const) {
      const params: [string, string][] = kind === "challenge"
        ? [["user", "u"], ["nonce", "n"]]
        : [];
      const parsed = parseAuthRejection(rejectionDescription(method, kind, params));
      strictEqual(parsed?.method, method);
      strictEqual(parsed?.kind, kind);
      for (const [name, value] of params) strictEqual(parsed?.params.get(name), value);
    }
  }
  // ffmpeg reads the method up to the next space and at most 255 characters.
  const long = rejectionDescription("adobe", "challenge", [
    ["user", "someone"],
    ["salt", "01234567"],
    ["challenge", "89abcdef"],
    ["opaque", "fedcba98"],
  ]);
  ok(long.length < 256);
  ok(/authmod=adobe /.test(long));
});

/** Runs the whole exchange between our client and server; returns the decisions in order. */
function exchange(
  server: PublisherAuthServer,
  client: PublisherAuthClient,
  app = "live",
): PublisherAuthDecision[] {
  const decisions: PublisherAuthDecision[] = [];
  let connectApp = app;
  for (let i = 0; i < 4; i++) {
    const decision = server.check(connectApp);
    decisions.push(decision);
    if (decision.accepted) return decisions;
    connectApp = app + client.answer(decision.description, app);
  }
  return decisions;
}

Deno.test("our client and server agree for adobe and llnw, apps with and without instance", () => {
  for (const method of ["adobe", "llnw"] as const) {
    for (const app of ["live", "live/inst"]) {
      const server = new PublisherAuthServer({ method, users: new Map([["bob", "pässword"]]) });
      const client = new PublisherAuthClient({ user: "bob", password: "pässword" });
      const decisions = exchange(server, client, app);
      strictEqual(decisions.length, 3, `${method} ${app}`);
      deepStrictEqual(decisions[2], { accepted: true, user: "bob", app });
      strictEqual(server.pendingChallenges, 0);
    }
  }
});

Deno.test("a wrong password is refused with authfailed, and the client gives up", () => {
  for (const method of ["adobe", "llnw"] as const) {
    const server = new PublisherAuthServer({ method, users: new Map([["bob", "right"]]) });
    const client = new PublisherAuthClient({ user: "bob", password: "wrong" });
    let app = "live";
    const first = server.check(app);
    ok(!first.accepted);
    app = "live" + client.answer(first.description, "live");
    const second = server.check(app);
    ok(!second.accepted);
    app = "live" + client.answer(second.description, "live");
    const third = server.check(app);
    ok(!third.accepted);
    strictEqual(parseAuthRejection(third.description)?.kind, "auth-failed");
    throws(
      () => client.answer(third.description, "live"),
      (e: unknown) => e instanceof AuthError && /wrong user name or password/.test(e.message),
    );
  }
});

Deno.test("the server refuses unknown users, replays, foreign and expired challenges", () => {
  let now = 1_000;
  let counter = 0;
  const server = new PublisherAuthServer({
    method: "adobe",
    users: new Map([["bob", "pw"], ["eve", "evil"]]),
    now: () => now,
    randomBytes: (n) => new Uint8Array(n).fill(++counter),
    challengeTtlMs: 5_000,
    maxPendingChallenges: 2,
  });
  const unknown = server.check("live?authmod=adobe&user=mallory");
  ok(!unknown.accepted);
  strictEqual(parseAuthRejection(unknown.description)?.kind, "no-such-user");

  // A correct answer is accepted once; the same answer again is a replay.
  const client = new PublisherAuthClient({ user: "bob", password: "pw" });
  const challenge = server.check("live?authmod=adobe&user=bob");
  ok(!challenge.accepted);
  const answer = "live" + client.answer(challenge.description, "live");
  ok(server.check(answer).accepted);
  ok(!server.check(answer).accepted);

  // A challenge issued to bob cannot be answered as eve.
  const forBob = server.check("live?authmod=adobe&user=bob");
  ok(!forBob.accepted);
  const opaque = parseAuthRejection(forBob.description)!.params.get("opaque")!;
  const eve = new PublisherAuthClient({ user: "eve", password: "evil" });
  const forged = eve.answer(
    forBob.description.replace("user=bob", "user=eve"),
    "live",
  );
  ok(forged.includes(`opaque=${opaque}`));
  ok(!server.check("live" + forged).accepted);

  // Challenges expire.
  const late = server.check("live?authmod=adobe&user=bob");
  ok(!late.accepted);
  const lateAnswer = "live" +
    new PublisherAuthClient({ user: "bob", password: "pw" }).answer(late.description, "live");
  now += 5_001;
  ok(!server.check(lateAnswer).accepted);
  strictEqual(server.pendingChallenges, 0);

  // At most maxPendingChallenges are kept.
  for (let i = 0; i < 5; i++) server.check("live?authmod=adobe&user=bob");
  strictEqual(server.pendingChallenges, 2);
});

Deno.test("the client needs credentials and a known method", () => {
  const need = rejectionDescription("llnw", "need-user");
  throws(
    () => new PublisherAuthClient({ user: "", password: "" }).answer(need, "live"),
    (e: unknown) => e instanceof AuthError && /give user:password in the URL/.test(e.message),
  );
  throws(
    () =>
      new PublisherAuthClient({ user: "a", password: "b" }).answer("Application not found", "x"),
    (e: unknown) =>
      e instanceof AuthError && /Connection rejected: Application not found/.test(e.message),
  );
  throws(
    () =>
      new PublisherAuthClient({ user: "a", password: "b" }).answer(
        rejectionDescription("adobe", "no-such-user"),
        "x",
      ),
    (e: unknown) => e instanceof AuthError && /no such user a/.test(e.message),
  );
});

Deno.test("the client uses its injected nonce and the echoed user", () => {
  const client = new PublisherAuthClient({
    user: "bob",
    password: "pw",
    clientNonce: () => "0badf00d",
  });
  const query = client.answer(
    rejectionDescription("llnw", "challenge", [["user", "bob"], ["nonce", "cafe0001"]]),
    "live",
  );
  strictEqual(
    query,
    llnwAuthQuery({
      user: "bob",
      password: "pw",
      nonce: "cafe0001",
      cnonce: "0badf00d",
      app: "live",
    }),
  );
});
