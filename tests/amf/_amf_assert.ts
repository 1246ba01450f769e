/**
 * Assertions for AMF values: order-sensitive map comparison, class names, exact numbers
 * (NaN equals NaN, -0 differs from 0) and concrete value classes.
 *
 * @module
 */

import { AssertionError } from "node:assert";
import {
  AmfDate,
  AmfEcmaArray,
  AmfError,
  AmfObject,
  type AmfValue,
  AmfXml,
} from "../../src/amf/mod.ts";

function describe(value: unknown): string {
  if (value instanceof Map) {
    const name = value.constructor.name;
    const className = value instanceof AmfObject && value.className ? `<${value.className}>` : "";
    return `${name}${className}(${value.size})`;
  }
  if (typeof value === "string") {
    return JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value);
  }
  if (Array.isArray(value)) return `Array(${value.length})`;
  return Object.is(value, -0) ? "-0" : String(value);
}

function fail(path: string, actual: unknown, expected: unknown): never {
  throw new AssertionError({
    message: `AMF values differ at ${path || "(root)"}: got ${describe(actual)}, expected ${
      describe(expected)
    }`,
  });
}

/** Throws unless `actual` and `expected` are the same AMF value, including property order. */
export function assertAmfEqual(actual: AmfValue, expected: AmfValue, path = ""): void {
  if (typeof expected !== "object" || expected === null) {
    if (!Object.is(actual, expected)) fail(path, actual, expected);
    return;
  }
  if (typeof actual !== "object" || actual === null) fail(path, actual, expected);
  if (Object.getPrototypeOf(actual) !== Object.getPrototypeOf(expected)) {
    fail(path, actual, expected);
  }
  if (expected instanceof Map) {
    const actualMap = actual as Map<string, AmfValue>;
    if (expected instanceof AmfObject && (actual as AmfObject).className !== expected.className) {
      fail(`${path}.className`, (actual as AmfObject).className, expected.className);
    }
    const actualKeys = [...actualMap.keys()];
    const expectedKeys = [...expected.keys()];
    if (actualKeys.length !== expectedKeys.length) fail(path, actual, expected);
    for (let i = 0; i < expectedKeys.length; i++) {
      if (actualKeys[i] !== expectedKeys[i]) {
        fail(`${path}[key ${i}]`, actualKeys[i], expectedKeys[i]);
      }
      assertAmfEqual(
        actualMap.get(expectedKeys[i]),
        expected.get(expectedKeys[i]),
        `${path}.${expectedKeys[i]}`,
      );
    }
    return;
  }
  if (Array.isArray(expected)) {
    const actualArray = actual as AmfValue[];
    if (actualArray.length !== expected.length) fail(path, actual, expected);
    for (let i = 0; i < expected.length; i++) {
      assertAmfEqual(actualArray[i], expected[i], `${path}[${i}]`);
    }
    return;
  }
  if (expected instanceof Uint8Array) {
    const bytes = actual as Uint8Array;
    if (bytes.length !== expected.length || bytes.some((b, i) => b !== expected[i])) {
      fail(path, `bytes ${bytes.join(" ")}`, `bytes ${expected.join(" ")}`);
    }
    return;
  }
  if (expected instanceof AmfDate) {
    const date = actual as AmfDate;
    if (!Object.is(date.time, expected.time) || date.timezone !== expected.timezone) {
      fail(
        path,
        `date ${date.time}/${date.timezone}`,
        `date ${expected.time}/${expected.timezone}`,
      );
    }
    return;
  }
  if (expected instanceof AmfXml) {
    if ((actual as AmfXml).xml !== expected.xml) fail(path, (actual as AmfXml).xml, expected.xml);
    return;
  }
  // Plain objects.
  const actualRecord = actual as Record<string, AmfValue>;
  const expectedRecord = expected as Record<string, AmfValue>;
  const keys = Object.keys(expectedRecord);
  if (Object.keys(actualRecord).join("\u0000") !== keys.join("\u0000")) {
    fail(path, actual, expected);
  }
  for (const key of keys) assertAmfEqual(actualRecord[key], expectedRecord[key], `${path}.${key}`);
}

/** Throws unless `fn` throws an {@linkcode AmfError} (and nothing else); returns the error. */
export function assertThrowsAmf(fn: () => unknown, messageIncludes?: string): AmfError {
  let result: unknown;
  try {
    result = fn();
  } catch (error) {
    if (!(error instanceof AmfError)) {
      throw new AssertionError({
        message: `Expected an AmfError, got ${
          error instanceof Error ? error.name : typeof error
        }: ${error instanceof Error ? error.message : String(error)}`,
      });
    }
    if (messageIncludes !== undefined && !error.message.includes(messageIncludes)) {
      throw new AssertionError({
        message: `AmfError message "${error.message}" does not include "${messageIncludes}"`,
      });
    }
    if (error.message.includes("\n")) {
      throw new AssertionError({ message: `AmfError message is not one line: ${error.message}` });
    }
    return error;
  }
  throw new AssertionError({
    message: `Expected an AmfError, but got a result: ${describe(result)}`,
  });
}

/** Builds an {@linkcode AmfObject} from entries, with an optional class name. */
export function amfObject(entries: [string, AmfValue][], className = ""): AmfObject {
  const object = new AmfObject(entries);
  object.className = className;
  return object;
}

/** Builds an {@linkcode AmfEcmaArray} from entries. */
export function ecmaArray(entries: [string, AmfValue][]): AmfEcmaArray {
  return new AmfEcmaArray(entries);
}

/** The bytes of an ASCII string, for golden tables. */
export function ascii(text: string): number[] {
  return [...text].map((c) => c.charCodeAt(0));
}

/** Hex dump for messages. */
export function hex(bytes: Uint8Array | number[]): string {
  return [...bytes].map((b) => b.toString(16).padStart(2, "0")).join(" ");
}
