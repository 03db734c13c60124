import onnxProto from 'onnx-proto';

const { onnx } = onnxProto;
const T = onnx.TensorProto.DataType;

/** A small helper to build ONNX graphs (opset 13) from TypeScript. */
export class GraphBuilder {
  nodes: onnxProto.onnx.INodeProto[] = [];
  inits: onnxProto.onnx.ITensorProto[] = [];
  private n = 0;

  float(name: string, dims: number[], data: Float32Array): string {
    this.inits.push({ name, dims, dataType: T.FLOAT, rawData: new Uint8Array(data.buffer, data.byteOffset, data.byteLength) });
    return name;
  }
  int64(name: string, dims: number[], data: number[]): string {
    const b = new BigInt64Array(data.map((x) => BigInt(x)));
    this.inits.push({ name, dims, dataType: T.INT64, rawData: new Uint8Array(b.buffer) });
    return name;
  }
  /** Adds a node; returns its output names. */
  op(type: string, inputs: string[], attrs: Record<string, number | number[]> = {}, outputs?: string[]): string[] {
    const outs = outputs ?? [`${type.toLowerCase()}_${this.n++}`];
    const attribute = Object.entries(attrs).map(([name, v]) =>
      Array.isArray(v)
        ? { name, type: onnx.AttributeProto.AttributeType.INTS, ints: v }
        : Number.isInteger(v) && name !== 'value_float'
          ? { name, type: onnx.AttributeProto.AttributeType.INT, i: v }
          : { name, type: onnx.AttributeProto.AttributeType.FLOAT, f: v },
    );
    this.nodes.push({ opType: type, input: inputs, output: outs, name: outs[0], attribute });
    return outs;
  }
  one(type: string, inputs: string[], attrs: Record<string, number | number[]> = {}, output?: string): string {
    return this.op(type, inputs, attrs, output ? [output] : undefined)[0];
  }
}

type Dim = number | string;
function valueInfo(name: string, elemType: number, dims: Dim[]) {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })) } } },
  };
}

/** Serialises a graph as an ONNX model (IR 7, opset 13). */
export function encodeModel(
  g: GraphBuilder,
  io: { inputs: [string, 'float' | 'int64', Dim[]][]; outputs: [string, 'float' | 'int64', Dim[]][] },
  meta: Record<string, string>,
): Uint8Array {
  const t = (k: 'float' | 'int64') => (k === 'float' ? T.FLOAT : T.INT64);
  const model = onnx.ModelProto.create({
    irVersion: 7,
    opsetImport: [{ domain: '', version: 13 }],
    producerName: 'modelgrade scripts/gen-models.ts',
    producerVersion: '1',
    graph: {
      name: 'modelgrade-reference',
      node: g.nodes,
      initializer: g.inits,
      input: io.inputs.map(([n, k, d]) => valueInfo(n, t(k), d)),
      output: io.outputs.map(([n, k, d]) => valueInfo(n, t(k), d)),
    },
    metadataProps: Object.entries(meta).map(([key, value]) => ({ key, value })),
  });
  return onnx.ModelProto.encode(model).finish();
}
