import { deepStrictEqual, rejects, strictEqual, throws } from "node:assert/strict";
import { createHmac } from "node:crypto";
import {
  checkSwfVerificationResponse,
  decompressSwf,
  hashSwf,
  SwfError,
  swfVerificationKey,
  swfVerificationResponse,
} from "../../src/swf/mod.ts";
import { plainData } from "./_lzma_plain_data.ts";
import { cwsFile, fwsFile, swfBody, zwsFile } from "./_swf_fixtures.ts";

const hex = (bytes: Uint8Array) =>
  Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");

/** The SWF hash written out with node:crypto. */
function nodeSwfHash(decompressed: Uint8Array): string {
  return createHmac("sha256", "Genuine Adobe Flash Player 001").update(decompressed).digest("hex");
}

Deno.test("hashSwf known answer (Python's hmac) for a tiny FWS file", async () => {
  const swf = fwsFile(Uint8Array.of(0, 1, 2, 3, 4, 5, 6, 7));
  const info = await hashSwf(swf);
  strictEqual(hex(info.hash), "536e57d6f85e90115c11f3624239d5d2f1fb2ff290bc0bf4717383341f09297e");
  strictEqual(info.size, 16);
});

Deno.test("FWS, CWS and ZWS forms of one SWF have one hash and size", async () => {
  for (const name of ["mixed_302", "far_302", "text_302"]) {
    const body = plainData(name.slice(0, name.lastIndexOf("_")));
    const { zws, fws } = await zwsFile(name, body);
    const cws = cwsFile(fws);
    const expected = { hash: nodeSwfHash(fws), size: fws.length };
    for (const [form, file] of [["FWS", fws], ["CWS", cws], ["ZWS", zws]] as const) {
      deepStrictEqual(await decompressSwf(file), fws, `${name} ${form} decompressed`);
      const info = await hashSwf(file);
      deepStrictEqual({ hash: hex(info.hash), size: info.size }, expected, `${name} ${form}`);
    }
  }
});

Deno.test("CWS: bytes after the zlib stream are ignored, as zlib does in rtmpdump", async () => {
  const fws = fwsFile(swfBody(5000));
  const cws = cwsFile(fws);
  const padded = new Uint8Array(cws.length + 7).fill(0x55);
  padded.set(cws);
  deepStrictEqual(await decompressSwf(padded), fws);
});

Deno.test("corrupt, truncated and oversized SWF files are SwfErrors with a reason", async () => {
  const fws = fwsFile(swfBody(20000));
  const cws = cwsFile(fws);
  await rejects(
    decompressSwf(cws.subarray(0, cws.length >> 1)),
    (e: unknown) => e instanceof SwfError && /zlib data ends early/.test(e.message),
  );
  const corrupt = cws.slice();
  corrupt[10] ^= 0xff;
  corrupt[11] ^= 0xff;
  await rejects(decompressSwf(corrupt), SwfError);
  await rejects(
    decompressSwf(cws, { maxSize: 1000 }),
    (e: unknown) => e instanceof SwfError && /over the limit of 1000/.test(e.message),
  );
  await rejects(decompressSwf(fws, { maxSize: 1000 }), /over the limit of 1000/);

  const body = plainData("mixed");
  const { zws } = await zwsFile("mixed_302", body);
  await rejects(
    decompressSwf(zws.subarray(0, 4000)),
    (e: unknown) =>
      e instanceof SwfError && /Cannot hash the ZWS file: LZMA data ends early/.test(e.message),
  );
  const longer = zws.slice();
  new DataView(longer.buffer).setUint32(4, 8 + body.length + 1, true);
  await rejects(decompressSwf(longer), /ZWS file: LZMA data ends after/);
  const huge = zws.slice();
  new DataView(huge.buffer).setUint32(4, 0xffffffff, true);
  await rejects(decompressSwf(huge), /decompresses to 4294967295 bytes, over the limit/);
  await rejects(decompressSwf(zws.subarray(0, 12)), /too short/);

  await rejects(
    decompressSwf(new TextEncoder().encode("<html>Not found</html>")),
    (e: unknown) =>
      e instanceof SwfError && /not a SWF file \(it starts with 3c 68 74\)/.test(e.message),
  );
  await rejects(decompressSwf(Uint8Array.of(0x46, 0x57, 0x53)), /not a SWF file \(it is 3 bytes\)/);
});

Deno.test("swfVerificationResponse known answer (Python's hmac)", async () => {
  const s1 = Uint8Array.from({ length: 1536 }, (_, i) => (i * 7) & 0xff);
  const info = await hashSwf(fwsFile(Uint8Array.of(0, 1, 2, 3, 4, 5, 6, 7)));
  const body = await swfVerificationResponse(info, swfVerificationKey(s1));
  strictEqual(
    hex(body),
    "0101" + "00000010" + "00000010" +
      "d63f054b115b0b6f11e7fe3f527cc3918189212daa0418a83e25e7c0aa77b382",
  );
  strictEqual(await checkSwfVerificationResponse(body, info, swfVerificationKey(s1)), true);
});

Deno.test("checkSwfVerificationResponse refuses a wrong hash, size, S1 or length", async () => {
  const s1 = Uint8Array.from({ length: 1536 }, (_, i) => (i * 13) & 0xff);
  const info = { hash: new Uint8Array(32).fill(9), size: 123456 };
  const good = await swfVerificationResponse(info, swfVerificationKey(s1));
  strictEqual(await checkSwfVerificationResponse(good, info, swfVerificationKey(s1)), true);
  const wrongHash = await swfVerificationResponse(
    { ...info, hash: new Uint8Array(32) },
    swfVerificationKey(s1),
  );
  strictEqual(await checkSwfVerificationResponse(wrongHash, info, swfVerificationKey(s1)), false);
  const wrongSize = await swfVerificationResponse(
    { ...info, size: 123457 },
    swfVerificationKey(s1),
  );
  strictEqual(await checkSwfVerificationResponse(wrongSize, info, swfVerificationKey(s1)), false);
  const otherS1 = s1.slice();
  otherS1[1535] ^= 1;
  strictEqual(await checkSwfVerificationResponse(good, info, swfVerificationKey(otherS1)), false);
  strictEqual(
    await checkSwfVerificationResponse(good.subarray(0, 41), info, swfVerificationKey(s1)),
    false,
  );
  // The HMAC key is only the last 32 bytes of S1.
  const sameTail = s1.slice();
  sameTail[0] ^= 0xff;
  strictEqual(await checkSwfVerificationResponse(good, info, swfVerificationKey(sameTail)), true);
});

Deno.test("swfVerificationKey and swfVerificationResponse check their lengths", async () => {
  throws(() => swfVerificationKey(new Uint8Array(1537)), RangeError);
  const info = { hash: new Uint8Array(32), size: 1 };
  await rejects(swfVerificationResponse(info, new Uint8Array(31)), RangeError);
  await rejects(
    swfVerificationResponse({ hash: new Uint8Array(31), size: 1 }, new Uint8Array(32)),
    RangeError,
  );
});
