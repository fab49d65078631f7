// Deterministic compile of verity-chain's contracts with the pinned npm solc.
// usage: node scripts/compile.js <solidity dir> <output dir> [<test solidity dir> <test output dir>]
// Writes <output dir>/<Contract>.json = {contractName, sourceName, sourcesSha256, compiler, abi, bytecode,
// deployedBytecode, immutableReferences} for every contract/interface with code or an ABI. Contracts of the test
// directory (test fixtures such as the test referees; they may import the main sources by file name) go to the test
// output directory, so no fixture is reachable from production code. Output is a pure function of the sources and
// this script, so a rerun on unchanged sources gives identical bytes (checked by a JUnit test).
'use strict';
const fs = require('fs');
const path = require('path');
const crypto = require('crypto');
const solc = require('solc');

const [srcDir, outDir, testSrcDir, testOutDir] = process.argv.slice(2);
if (!srcDir || !outDir || (testSrcDir && !testOutDir)) {
  console.error('usage: node scripts/compile.js <solidity dir> <output dir> [<test solidity dir> <test output dir>]');
  process.exit(2);
}
const sources = {};
const testFiles = new Set();
function hashOf(dir) {
  const h = crypto.createHash('sha256');
  for (const f of fs.readdirSync(dir).filter((x) => x.endsWith('.sol')).sort()) {
    const content = fs.readFileSync(path.join(dir, f), 'utf8');
    if (sources[f]) {
      console.error('two sources named ' + f);
      process.exit(2);
    }
    sources[f] = { content };
    h.update(f + '\0' + content + '\0');
  }
  return h.digest('hex');
}
const sourcesSha256 = hashOf(srcDir);
let testSourcesSha256 = null;
if (testSrcDir) {
  const before = new Set(Object.keys(sources));
  testSourcesSha256 = hashOf(testSrcDir);
  for (const f of Object.keys(sources)) if (!before.has(f)) testFiles.add(f);
}
const settings = {
  evmVersion: 'shanghai',
  optimizer: { enabled: true, runs: 200 },
  viaIR: true,
  outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object', 'evm.deployedBytecode.immutableReferences'] } },
};
const input = { language: 'Solidity', sources, settings };
// Imports of the pinned npm libraries (@openzeppelin/contracts) resolve to node_modules; their contracts get no artifact.
const libraries = new Set();
function findImports(importPath) {
  if (!importPath.startsWith('@openzeppelin/')) return { error: 'not found: ' + importPath };
  libraries.add(importPath);
  return { contents: fs.readFileSync(path.join(__dirname, '..', 'node_modules', importPath), 'utf8') };
}
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
const openzeppelin = JSON.parse(fs.readFileSync(path.join(__dirname, '..', 'node_modules', '@openzeppelin', 'contracts', 'package.json'), 'utf8')).version;
let failed = false;
for (const e of output.errors || []) {
  if (e.severity === 'error') failed = true;
  console.error(e.formattedMessage);
}
if (failed) process.exit(1);
const outs = testSrcDir ? [outDir, testOutDir] : [outDir];
for (const dir of outs) {
  fs.mkdirSync(dir, { recursive: true });
  for (const old of fs.readdirSync(dir)) if (old.endsWith('.json')) fs.unlinkSync(path.join(dir, old));
}
const names = [];
for (const sourceName of Object.keys(output.contracts).sort()) {
  if (libraries.has(sourceName)) continue;
  const isTest = testFiles.has(sourceName);
  for (const contractName of Object.keys(output.contracts[sourceName]).sort()) {
    const c = output.contracts[sourceName][contractName];
    const artifact = {
      contractName,
      sourceName,
      sourcesSha256: isTest ? sourcesSha256 + '+' + testSourcesSha256 : sourcesSha256,
      compiler: { solc: solc.version(), evmVersion: settings.evmVersion, optimizerRuns: settings.optimizer.runs, viaIR: settings.viaIR, openzeppelin },
      abi: c.abi,
      bytecode: '0x' + c.evm.bytecode.object,
      deployedBytecode: '0x' + c.evm.deployedBytecode.object,
      immutableReferences: c.evm.deployedBytecode.immutableReferences || {},
    };
    fs.writeFileSync(path.join(isTest ? testOutDir : outDir, contractName + '.json'), JSON.stringify(artifact, null, 1) + '\n');
    names.push(contractName + (isTest ? ' (test)' : ''));
  }
}
console.log('compiled ' + names.length + ' contracts with solc ' + solc.version() + ': ' + names.join(' '));
