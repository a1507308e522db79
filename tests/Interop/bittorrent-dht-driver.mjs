// Drives nodes of the npm package `bittorrent-dht` (an independent BEP 5 implementation) for
// PicoTalk's DHT interop tests and benchmark. Started by tests/TestSupport/Interop/NpmDht.cs.
//
// Protocol: one JSON object per line. Requests on stdin, replies on stdout, diagnostics on stderr.
//   request  {"seq":7,"cmd":"lookup","node":2,"infoHash":"<40 hex>"}
//   reply    {"seq":7,"ok":true,...}  or  {"seq":7,"ok":false,"error":"<text>"}
// Requests run concurrently; the reply carries the request's seq ("id" is a node ID). Commands:
//   start    {port?,bootstrap?:["127.0.0.1:p"],host?,nodeId?,k?,concurrency?,timeoutMs?,wait?}
//            -> {node,id,port}       node is the handle later commands name
//   announce {node,infoHash,port?}   -> {replies}     no port: implied_port=1 (BEP 5 announce_peer)
//   lookup   {node,infoHash}         -> {peers:["h:p"],queries,queriesAll,replies,elapsedMs}
//   nodes    {node}                  -> {nodes:[{id,host,port}]}   the routing table
//   addNode  {node,host,port}        -> {}
//   stats    {node}                  -> {sent:{q:n},received:{q:n},fenced}
//   stop     {node}                  -> {}   destroys one node
//   stop     {}                      -> {}   destroys every node, then the process exits
//
// Loopback fence: every datagram a node sends goes through one wrapper that refuses any address
// outside 127.0.0.0/8, so no test can reach the public bootstrap routers or another host even if a
// peer hands out such an address. The same wrapper counts outgoing queries per method, which the
// package does not expose itself; the k-rpc-socket is ours, passed in through the documented
// `krpcSocket` (k-rpc) and `krpc` (bittorrent-dht) options.

import DHT from 'bittorrent-dht'
import krpc from 'k-rpc'
import krpcSocket from 'k-rpc-socket'
import { createInterface } from 'node:readline'
import { performance } from 'node:perf_hooks'

const LOOPBACK_HOST = '127.0.0.1'
const ID_HEX = /^[0-9a-f]{40}$/

const nodes = new Map()
let nextHandle = 1

function isLoopback (host) {
  return typeof host === 'string' && /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

function fail (message) {
  throw new Error(message)
}

function requireHex (value, what) {
  if (typeof value !== 'string' || !ID_HEX.test(value.toLowerCase())) fail(`${what} must be 40 hex digits, got ${JSON.stringify(value)}`)
  return value.toLowerCase()
}

function requirePort (value, what, allowZero) {
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1) || value > 65535) fail(`${what} must be a port number, got ${JSON.stringify(value)}`)
  return value
}

function parseLoopbackPeer (text) {
  if (typeof text !== 'string') fail(`a bootstrap entry must be "127.0.0.1:PORT", got ${JSON.stringify(text)}`)
  const colon = text.lastIndexOf(':')
  const host = text.slice(0, colon)
  if (colon < 0 || !isLoopback(host)) fail(`bootstrap entry ${text} is not a loopback HOST:PORT; only 127.0.0.0/8 is allowed`)
  return { host, port: requirePort(Number(text.slice(colon + 1)), `port of ${text}`, false) }
}

function count (map, key) {
  map[key] = (map[key] || 0) + 1
}

function nodeOf (request) {
  const entry = nodes.get(request.node)
  if (!entry) fail(`no running node with handle ${JSON.stringify(request.node)}`)
  return entry
}

// A k-rpc-socket whose every outgoing datagram passes the loopback fence and is counted.
function fencedSocket (entry, timeoutMs) {
  const socket = krpcSocket({ timeout: timeoutMs })
  const send = socket.send.bind(socket)
  socket.send = (peer, message, cb) => {
    const host = peer.address || peer.host
    if (!isLoopback(host)) {
      entry.fenced++
      process.stderr.write(`node ${entry.handle}: refused to send to ${host}:${peer.port} (not loopback)\n`)
      return
    }
    if (message.y === 'q' || (Buffer.isBuffer(message.y) && message.y.toString() === 'q')) {
      count(entry.sent, String(message.q))
      entry.sentTotal++
    }
    send(peer, message, cb)
  }
  socket.on('query', query => count(entry.received, query.q ? query.q.toString() : '?'))
  return socket
}

function start (request) {
  const bootstrap = (request.bootstrap ?? []).map(parseLoopbackPeer)
  const host = request.host ?? LOOPBACK_HOST
  if (!isLoopback(host)) fail(`host ${host} is not loopback`)
  const port = requirePort(request.port ?? 0, 'port', true)
  const handle = nextHandle++
  const entry = { handle, sent: {}, received: {}, sentTotal: 0, fenced: 0, dht: null, rpc: null }
  const rpcOptions = {
    krpcSocket: fencedSocket(entry, request.timeoutMs ?? 2000),
    // An empty array, never undefined: undefined makes k-rpc fall back to the public routers.
    nodes: bootstrap,
    k: request.k ?? 20,
    concurrency: request.concurrency ?? 16,
    idLength: 20
  }
  if (request.nodeId !== undefined) rpcOptions.id = Buffer.from(requireHex(request.nodeId, 'nodeId'), 'hex')
  entry.rpc = krpc(rpcOptions)
  // bootstrap:false tells the DHT not to populate at all (README "ready" event); with a list it
  // populates from the list we gave k-rpc above.
  entry.dht = new DHT({ krpc: entry.rpc, bootstrap: bootstrap.length ? bootstrap : false, host })
  entry.dht.on('error', err => process.stderr.write(`node ${handle}: error ${err.stack || err}\n`))
  entry.dht.on('warning', err => process.stderr.write(`node ${handle}: warning ${err.message || err}\n`))
  nodes.set(handle, entry)

  const wait = request.wait ?? 'ready'
  if (wait !== 'ready' && wait !== 'listening') fail(`wait must be "ready" or "listening", got ${JSON.stringify(wait)}`)
  return new Promise((resolve, reject) => {
    let listening = false
    let ready = false
    const settle = () => {
      if (listening && (ready || wait === 'listening')) {
        entry.dht.removeListener('error', onError)
        resolve({ node: handle, id: entry.rpc.id.toString('hex'), port: entry.dht.address().port })
      }
    }
    const onError = err => {
      nodes.delete(handle)
      entry.dht.destroy()
      reject(err)
    }
    entry.dht.once('error', onError)
    entry.dht.once('ready', () => { ready = true; settle() })
    entry.dht.listen(port, LOOPBACK_HOST, () => { listening = true; settle() })
  })
}

function announce (request) {
  const { dht } = nodeOf(request)
  const infoHash = requireHex(request.infoHash, 'infoHash')
  const port = request.port === undefined ? 0 : requirePort(request.port, 'port', false)
  return new Promise((resolve, reject) => {
    dht.announce(infoHash, port, (err, replies) => err ? reject(err) : resolve({ replies: replies ?? null }))
  })
}

function lookup (request) {
  const entry = nodeOf(request)
  const infoHash = requireHex(request.infoHash, 'infoHash')
  const peers = new Set()
  const onPeer = (peer, hash) => {
    if (hash.toString('hex') === infoHash) peers.add(`${peer.host}:${peer.port}`)
  }
  const getPeersBefore = entry.sent.get_peers || 0
  const allBefore = entry.sentTotal
  entry.dht.on('peer', onPeer)
  const started = performance.now()
  return new Promise((resolve, reject) => {
    entry.dht.lookup(infoHash, (err, replies) => {
      const elapsedMs = performance.now() - started
      entry.dht.removeListener('peer', onPeer)
      if (err) return reject(err)
      resolve({
        peers: [...peers],
        // get_peers sent by this lookup; queriesAll also holds background traffic in that window.
        queries: (entry.sent.get_peers || 0) - getPeersBefore,
        queriesAll: entry.sentTotal - allBefore,
        replies,
        elapsedMs
      })
    })
  })
}

function routingTable (request) {
  const { rpc } = nodeOf(request)
  // rpc.nodes is k-rpc's k-bucket (k-rpc README); read per call because rpc.clear() replaces it.
  return {
    nodes: rpc.nodes.toArray().map(n => ({ id: Buffer.from(n.id).toString('hex'), host: n.host, port: n.port }))
  }
}

function addNode (request) {
  const { dht } = nodeOf(request)
  if (!isLoopback(request.host)) fail(`host ${request.host} is not loopback`)
  dht.addNode({ host: request.host, port: requirePort(request.port, 'port', false) })
  return {}
}

function stats (request) {
  const { sent, received, fenced } = nodeOf(request)
  return { sent, received, fenced }
}

function destroy (entry) {
  nodes.delete(entry.handle)
  return new Promise(resolve => entry.dht.destroy(() => resolve()))
}

async function stop (request) {
  if (request.node !== undefined) {
    await destroy(nodeOf(request))
    return {}
  }
  await Promise.all([...nodes.values()].map(destroy))
  setImmediate(() => process.exit(0))
  return {}
}

const commands = { start, announce, lookup, nodes: routingTable, addNode, stats, stop }

function reply (message) {
  process.stdout.write(JSON.stringify(message) + '\n')
}

async function handle (line) {
  let request
  try {
    request = JSON.parse(line)
  } catch (err) {
    return reply({ seq: null, ok: false, error: `not JSON: ${err.message}` })
  }
  const seq = request?.seq ?? null
  try {
    const command = commands[request?.cmd]
    if (!command) fail(`unknown cmd ${JSON.stringify(request?.cmd)}; known: ${Object.keys(commands).join(', ')}`)
    reply({ seq, ok: true, ...(await command(request)) })
  } catch (err) {
    reply({ seq, ok: false, error: err?.message || String(err) })
  }
}

const input = createInterface({ input: process.stdin, crlfDelay: Infinity })
input.on('line', line => { if (line.trim()) handle(line) })
// The test process went away: leave no UDP sockets or timers behind.
input.on('close', () => {
  Promise.all([...nodes.values()].map(destroy)).then(() => process.exit(0))
})
