using System.Buffers.Binary;
using System.Globalization;
using System.Text;

namespace Offload.Testing;

/// <summary>
/// Just enough of the protobuf wire format to read OTLP requests without the generated classes (no protobuf
/// package is needed here): a message is a run of fields, each a tag (field number, wire type) and a value.
/// </summary>
public static class Protobuf
{
    /// <summary>One field of a message: its number, and its value as a number (varint, fixed) or as bytes (length-delimited).</summary>
    public readonly record struct Field(int Number, int WireType, ulong Number64, ReadOnlyMemory<byte> Bytes)
    {
        public string String => Encoding.UTF8.GetString(Bytes.Span);

        public string Hex => Convert.ToHexStringLower(Bytes.Span);

        public double Double => BitConverter.Int64BitsToDouble((long)Number64);
    }

    public static IEnumerable<Field> Fields(ReadOnlyMemory<byte> message)
    {
        var offset = 0;
        while (offset < message.Length)
        {
            var tag = ReadVarint(message.Span, ref offset);
            var (number, wireType) = ((int)(tag >> 3), (int)(tag & 7));
            switch (wireType)
            {
                case 0:
                    yield return new Field(number, wireType, ReadVarint(message.Span, ref offset), default);
                    break;
                case 1:
                    yield return new Field(number, wireType, BinaryPrimitives.ReadUInt64LittleEndian(message.Span[offset..]), default);
                    offset += 8;
                    break;
                case 2:
                    var length = (int)ReadVarint(message.Span, ref offset);
                    yield return new Field(number, wireType, 0, message.Slice(offset, length));
                    offset += length;
                    break;
                case 5:
                    yield return new Field(number, wireType, BinaryPrimitives.ReadUInt32LittleEndian(message.Span[offset..]), default);
                    offset += 4;
                    break;
                default:
                    throw new FormatException($"Wire type {wireType} (field {number}) is not used by OTLP.");
            }
        }
    }

    /// <summary>The fields numbered <paramref name="number"/> (a repeated field, or the one value of a singular one).</summary>
    public static IEnumerable<Field> Fields(ReadOnlyMemory<byte> message, int number) => Fields(message).Where(f => f.Number == number);

    public static Field? First(ReadOnlyMemory<byte> message, int number) =>
        Fields(message, number).Select(f => (Field?)f).FirstOrDefault();

    /// <summary>OTLP's <c>KeyValue</c> list (key = 1, AnyValue value = 2) as strings.</summary>
    public static Dictionary<string, string> Attributes(IEnumerable<Field> keyValues) =>
        keyValues.Select(kv => (Key: First(kv.Bytes, 1)?.String ?? "", Value: First(kv.Bytes, 2) is { } value ? AnyValue(value.Bytes) : ""))
            .GroupBy(kv => kv.Key)
            .ToDictionary(g => g.Key, g => g.Last().Value);

    /// <summary>OTLP's <c>AnyValue</c>: string 1, bool 2, int 3, double 4, array 5, key-value list 6, bytes 7.</summary>
    public static string AnyValue(ReadOnlyMemory<byte> value) => Fields(value).FirstOrDefault() switch
    {
        { Number: 1 } f => f.String,
        { Number: 2 } f => f.Number64 != 0 ? "true" : "false",
        { Number: 3 } f => ((long)f.Number64).ToString(CultureInfo.InvariantCulture),
        { Number: 4 } f => f.Double.ToString(CultureInfo.InvariantCulture),
        { Number: 5 } f => "[" + string.Join(",", Fields(f.Bytes, 1).Select(v => AnyValue(v.Bytes))) + "]",
        { Number: 6 } f => "{" + string.Join(",", Attributes(Fields(f.Bytes, 1)).Select(kv => $"{kv.Key}={kv.Value}")) + "}",
        { Number: 7 } f => f.Hex,
        _ => "",
    };

    private static ulong ReadVarint(ReadOnlySpan<byte> span, ref int offset)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = span[offset++];
            value |= (ulong)(b & 0x7F) << shift;
            if ((b & 0x80) == 0)
                return value;
            if (shift > 63)
                throw new FormatException("A varint is longer than 10 bytes.");
        }
    }
}
