// Deterministic compile of verity-chain's contracts with the pinned npm solc.
// usage: node scripts/compile.js <solidity dir> <output dir>
// Writes <output dir>/<Contract>.json = {contractName, sourceName, sourcesSha256, compiler, abi, bytecode}
// for every contract/interface with code or an ABI. Output is a pure function of the sources and
// this script, so a rerun on unchanged sources gives identical bytes (checked by a JUnit test).
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const solc = require('solc');

const [srcDir, outDir] = process.argv.slice(2);
if (!srcDir || !outDir) {
  console.error('usage: node scripts/compile.js <solidity dir> <output dir>');
  process.exit(2);
}
const files = fs.readdirSync(srcDir).filter((f) => f.endsWith('.sol')).sort();
const sources = {};
const h = crypto.createHash('sha256');
for (const f of files) {
  const content = fs.readFileSync(path.join(srcDir, f), 'utf8');
  sources[f] = { content };
  h.update(f + '\0' + content + '\0');
}
const sourcesSha256 = h.digest('hex');
const settings = {
  evmVersion: 'shanghai',
  optimizer: { enabled: true, runs: 200 },
  viaIR: true,
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
};
const input = { language: 'Solidity', sources, settings };
const output = JSON.parse(solc.compile(JSON.stringify(input)));
let failed = false;
for (const e of output.errors || []) {
  if (e.severity === 'error') failed = true;
  console.error(e.formattedMessage);
}
if (failed) process.exit(1);
fs.mkdirSync(outDir, { recursive: true });
for (const old of fs.readdirSync(outDir)) if (old.endsWith('.json')) fs.unlinkSync(path.join(outDir, old));
const names = [];
for (const sourceName of Object.keys(output.contracts).sort()) {
  for (const contractName of Object.keys(output.contracts[sourceName]).sort()) {
    const c = output.contracts[sourceName][contractName];
    const artifact = {
      contractName,
      sourceName,
      sourcesSha256,
      compiler: { solc: solc.version(), evmVersion: settings.evmVersion, optimizerRuns: settings.optimizer.runs, viaIR: settings.viaIR },
      abi: c.abi,
      bytecode: '0x' + c.evm.bytecode.object,
    };
    fs.writeFileSync(path.join(outDir, contractName + '.json'), JSON.stringify(artifact, null, 1) + '\n');
    names.push(contractName);
  }
}
console.log('compiled ' + names.length + ' contracts with solc ' + solc.version() + ': ' + names.join(' '));
