namespace SharpAsr.Demo;

/// <summary>
/// Generates the demo corpus's sentences from a small grammar (a few hundred words: numbers,
/// commands, names, everyday phrases). Deterministic for a seed; text is lower case with spaces and
/// apostrophes only, so a character tokenizer covers it.
/// </summary>
public sealed class DemoSentences
{
    static readonly string[] Ones = { "zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten",
        "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen" };
    static readonly string[] Tens = { "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety" };
    static readonly string[] Names = { "alice", "bob", "carol", "david", "emma", "frank", "grace", "henry", "isabel", "jack",
        "kate", "liam", "maria", "noah", "olivia", "peter", "quinn", "rachel", "sam", "tom", "uma", "victor", "wendy", "zoe" };
    static readonly string[] Rooms = { "kitchen", "bedroom", "living room", "bathroom", "garage", "office", "hallway", "garden" };
    static readonly string[] Devices = { "lights", "heater", "fan", "radio", "television", "oven", "washing machine", "alarm", "music", "coffee machine" };
    static readonly string[] Colors = { "red", "blue", "green", "yellow", "white", "black", "orange", "purple", "brown", "pink" };
    static readonly string[] Things = { "apples", "books", "chairs", "tickets", "boxes", "letters", "bottles", "cups", "pencils", "shoes", "eggs", "flowers" };
    static readonly string[] Days = { "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "today", "tomorrow", "tonight" };
    static readonly string[] Months = { "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december" };
    static readonly string[] Places = { "the station", "the market", "the office", "the park", "the library", "the airport", "the school", "the bank", "the museum", "the beach" };
    static readonly string[] Foods = { "bread", "milk", "cheese", "rice", "soup", "tea", "coffee", "butter", "sugar", "pasta", "fish", "salad" };
    static readonly string[] Adjectives = { "big", "small", "old", "new", "warm", "cold", "quiet", "busy", "bright", "dark", "clean", "heavy" };
    static readonly string[] Weather = { "sunny", "rainy", "cloudy", "windy", "snowy", "foggy" };

    readonly Random _rng;
    public DemoSentences(int seed) => _rng = new Random(seed);

    T Pick<T>(T[] items) => items[_rng.Next(items.Length)];

    /// <summary>A number from zero to ninety-nine in words.</summary>
    public string Number()
    {
        int n = _rng.Next(100);
        if (n < 20) return Ones[n];
        var tens = Tens[n / 10 - 2];
        return n % 10 == 0 ? tens : tens + " " + Ones[n % 10];
    }

    string Hour() => Ones[1 + _rng.Next(12)];

    public string Next()
    {
        switch (_rng.Next(20))
        {
            case 0: return $"turn {Pick(new[] { "on", "off" })} the {Pick(Rooms)} {Pick(Devices)}";
            case 1: return $"set a timer for {Number()} minutes";
            case 2: return $"call {Pick(Names)} at {Hour()} o'clock";
            case 3: return $"{Pick(Names)} bought {Number()} {Pick(Colors)} {Pick(Things)}";
            case 4: return $"meet me at {Pick(Places)} on {Pick(Days)}";
            case 5: return $"the meeting is on {Pick(Months)} {Number()}";
            case 6: return $"please add {Pick(Foods)} and {Pick(Foods)} to the list";
            case 7: return $"it will be {Pick(Weather)} {Pick(Days)}";
            case 8: return $"how many {Pick(Things)} does {Pick(Names)} have";
            case 9: return $"play some music in the {Pick(Rooms)}";
            case 10: return $"{Pick(Names)} and {Pick(Names)} went to {Pick(Places)}";
            case 11: return $"the {Pick(Adjectives)} {Pick(Colors)} car is parked outside";
            case 12: return $"set the temperature to {Number()} degrees";
            case 13: return $"remind me to buy {Pick(Foods)} {Pick(Days)}";
            case 14: return $"the train leaves at {Hour()} {Number()}";
            case 15: return $"i can't find my {Pick(Colors)} {Pick(Things)}";
            case 16: return $"{Pick(Names)}'s {Pick(Rooms)} is very {Pick(Adjectives)}";
            case 17: return $"open the {Pick(Rooms)} door";
            case 18: return $"what time is it in {Pick(Months)}";
            default: return $"send a message to {Pick(Names)} saying {Pick(new[] { "hello", "thank you", "good morning", "see you soon", "i'm on my way" })}";
        }
    }
}
