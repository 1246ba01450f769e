import { deepStrictEqual, strictEqual } from "node:assert/strict";
import {
  FMS_KEY_DIGEST_LENGTH,
  FMS_KEY_SIGNATURE_LENGTH,
  FP_KEY_DIGEST_LENGTH,
  FP_KEY_SIGNATURE_LENGTH,
  GENUINE_FMS_KEY,
  GENUINE_FP_KEY,
  HANDSHAKE_FIRST_PACKET_SIZE,
  RTMP_SIG_SIZE,
} from "../../src/handshake/constants.ts";
import { hex } from "./_fixtures.ts";

/** The 32 bytes both keys end with (librtmp-facts §4.3). */
const KEY_TAIL = hex(
  "F0 EE C2 4A 80 68 BE E8 2E 00 D0 D1 02 9E 7E 57 6E EC 5D 2D 29 80 6F AB 93 B8 E6 36 CF EB 31 AE",
);

Deno.test("GENUINE_FP_KEY is the 30-byte ASCII text followed by the 32 fixed bytes", () => {
  strictEqual(GENUINE_FP_KEY.length, 62);
  strictEqual(GENUINE_FP_KEY.length, FP_KEY_SIGNATURE_LENGTH);
  strictEqual(
    new TextDecoder().decode(GENUINE_FP_KEY.subarray(0, FP_KEY_DIGEST_LENGTH)),
    "Genuine Adobe Flash Player 001",
  );
  deepStrictEqual(GENUINE_FP_KEY.subarray(30), KEY_TAIL);
});

Deno.test("GENUINE_FMS_KEY is the 36-byte ASCII text followed by the 32 fixed bytes", () => {
  strictEqual(GENUINE_FMS_KEY.length, 68);
  strictEqual(GENUINE_FMS_KEY.length, FMS_KEY_SIGNATURE_LENGTH);
  strictEqual(
    new TextDecoder().decode(GENUINE_FMS_KEY.subarray(0, FMS_KEY_DIGEST_LENGTH)),
    "Genuine Adobe Flash Media Server 001",
  );
  deepStrictEqual(GENUINE_FMS_KEY.subarray(36), KEY_TAIL);
});

Deno.test("handshake sizes are librtmp's", () => {
  strictEqual(RTMP_SIG_SIZE, 1536);
  strictEqual(HANDSHAKE_FIRST_PACKET_SIZE, 1537);
});
