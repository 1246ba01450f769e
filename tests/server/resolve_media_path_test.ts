import { deepStrictEqual as assertEquals } from "node:assert/strict";
import { mediaFileName, resolveMediaPath } from "../../src/server/resolve_media_path.ts";
import { tempDir } from "./_helpers.ts";

Deno.test("mediaFileName strips prefixes and queries and refuses paths that could leave the root", () => {
  const table: [string, string | undefined][] = [
    ["sample", "sample"],
    ["sample.flv", "sample.flv"],
    ["mp4:sample.flv", "sample.flv"],
    ["flv:dir/clip", "dir/clip"],
    ["clip?token=abc", "clip"],
    ["dir/sub/clip", "dir/sub/clip"],
    ["a..b", "a..b"], // dots inside a name are fine
    ["", undefined],
    ["?x", undefined],
    ["../etc/passwd", undefined],
    ["dir/../../x", undefined],
    ["dir/..", undefined],
    ["/etc/passwd", undefined],
    ["mp4:/etc/passwd", undefined],
    ["C:/Windows", undefined],
    ["dir\\..\\x", undefined],
    ["nul\0byte", undefined],
  ];
  for (const [name, expected] of table) assertEquals(mediaFileName(name), expected, name);
});

Deno.test("resolveMediaPath: NAME, then NAME.flv, real paths inside the root only", async () => {
  await using root = await tempDir();
  await using outside = await tempDir();
  const rootPath = await Deno.realPath(root.path);
  await Deno.writeTextFile(`${root.path}/clip.flv`, "FLV");
  await Deno.writeTextFile(`${root.path}/raw`, "FLV");
  await Deno.mkdir(`${root.path}/dir`);
  await Deno.writeTextFile(`${root.path}/dir/inner.flv`, "FLV");
  await Deno.writeTextFile(`${outside.path}/secret.flv`, "FLV");
  await Deno.symlink(`${outside.path}/secret.flv`, `${root.path}/out.flv`);
  await Deno.symlink(outside.path, `${root.path}/escape`);
  await Deno.symlink(`${root.path}/clip.flv`, `${root.path}/alias.flv`);
  assertEquals(await resolveMediaPath(rootPath, "clip"), `${rootPath}/clip.flv`);
  assertEquals(await resolveMediaPath(rootPath, "clip.flv"), `${rootPath}/clip.flv`);
  assertEquals(await resolveMediaPath(rootPath, "mp4:clip.flv?x=1"), `${rootPath}/clip.flv`);
  assertEquals(await resolveMediaPath(rootPath, "raw"), `${rootPath}/raw`);
  assertEquals(await resolveMediaPath(rootPath, "dir/inner"), `${rootPath}/dir/inner.flv`);
  assertEquals(await resolveMediaPath(rootPath, "alias"), `${rootPath}/clip.flv`);
  assertEquals(await resolveMediaPath(rootPath, "dir"), undefined, "a folder is not a file");
  assertEquals(await resolveMediaPath(rootPath, "missing"), undefined);
  assertEquals(await resolveMediaPath(rootPath, "out"), undefined, "link to a file outside");
  assertEquals(
    await resolveMediaPath(rootPath, "escape/secret"),
    undefined,
    "link to a folder outside",
  );
  assertEquals(await resolveMediaPath(rootPath, "../secret"), undefined);
});
