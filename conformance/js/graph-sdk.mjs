// Runs Microsoft's own clients against graphsim, unchanged: MSAL Node for the
// client-credentials token and the JavaScript Graph SDK for paging, delta,
// $batch and errors. Configuration comes from the environment (set by
// ../javascript_sdk_test.go); NODE_EXTRA_CA_CERTS makes Node trust the simulator's CA.
// Prints one JSON object with what it read.
import "isomorphic-fetch";
import { ConfidentialClientApplication } from "@azure/msal-node";
import { Client, PageIterator, BatchRequestContent, BatchResponseContent } from "@microsoft/microsoft-graph-client";

const base = process.env.SIM_URL; // https://127.0.0.1:port
const tenant = process.env.SIM_TENANT;
const host = new URL(base).host;

const msal = new ConfidentialClientApplication({
  auth: {
    clientId: process.env.SIM_CLIENT_ID,
    clientSecret: process.env.SIM_CLIENT_SECRET,
    authority: `${base}/${tenant}`,
    knownAuthorities: [host],
  },
});
const token = await msal.acquireTokenByClientCredential({ scopes: ["https://graph.microsoft.com/.default"] });

const client = Client.init({
  baseUrl: base + "/",
  customHosts: new Set([new URL(base).hostname]), // the SDK compares host names without the port
  authProvider: (done) => done(null, token.accessToken),
});

// Every user, 999 per page, through the SDK's PageIterator.
const users = [];
const first = await client.api("/users").select("id,userPrincipalName,accountEnabled").top(999).get();
await new PageIterator(client, first, (u) => { users.push(u.id); return true; }).iterate();

// A users delta round to its deltaLink.
const delta = [];
let deltaLink = "";
const d1 = await client.api("/users/delta").select("id").get();
const it = new PageIterator(client, d1, (u) => { delta.push(u.id); return true; });
await it.iterate();
deltaLink = it.getDeltaLink() || "";

// $batch through the SDK's batch content helpers. SDK 3.0.7 strips only the
// scheme and host from a step's URL, so its maintainers' advice is to leave
// the version out (msgraph-sdk-javascript#1451); a step that keeps it reaches
// Graph as "/v1.0/..." and fails with "Resource not found for the segment
// 'v1.0'" (#1178) — step 3 checks the simulator does the same.
const batch = new BatchRequestContent([
  { id: "1", request: new Request(`${base}/subscribedSkus`, { method: "GET" }) },
  { id: "2", request: new Request(`${base}/organization`, { method: "GET" }) },
  { id: "3", request: new Request(`${base}/v1.0/organization`, { method: "GET" }) },
]);
const batchResponse = new BatchResponseContent(await client.api("/$batch").post(await batch.getContent()));
const skus = (await batchResponse.getResponseById("1").json()).value.map((s) => s.skuId);
const org = (await batchResponse.getResponseById("2").json()).value[0].id;
const versioned = batchResponse.getResponseById("3");
const versionedStep = { status: versioned.status, message: (await versioned.json()).error.message };

// An error as the SDK surfaces it.
let notFound = {};
try {
  await client.api("/users/00000000-0000-0000-0000-000000000000").get();
} catch (e) {
  notFound = { statusCode: e.statusCode, code: e.code };
}

console.log(JSON.stringify({ users, delta, deltaLink, skus, org, versionedStep, notFound, roles: JSON.parse(Buffer.from(token.accessToken.split(".")[1], "base64url")).roles.length }));
