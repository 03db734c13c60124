// Simplified ↔ traditional Chinese characters, shared by perturbations (suites) and answer folding (metrics).

/**
 * Common simplified → traditional characters (one-to-one mappings only; characters whose traditional
 * form depends on the word, e.g. 发 → 發/髮, 后 → 後/后, are left out).
 */
const TRAD_PAIRS =
  '阳陽 体體 积積 颗顆 这這 个個 们們 来來 时時 为為 国國 说說 会會 对對 进進 动動 过過 还還 学學 样樣 经經 开開 关關 问問 题題 实實 现現 点點 长長 门門 见見 东東 车車 书書 马馬 鱼魚 鸟鳥 龙龍 风風 电電 话話 语語 读讀 写寫 银銀 钱錢 贷貸 费費 价價 买買 卖賣 账賬 号號 码碼 险險 资資 产產 债債 务務 额額 审審 计計 认認 证證 规規 则則 应應 该該 选選 项項 择擇 确確 错錯 误誤 两兩 万萬 亿億 汇匯 兑兌 货貨 币幣 户戶 邮郵 网網 络絡 级級 线線 从從 业業 务務 员員 务務 质質 统統 类類 别別 获獲 纳納 税稅 环環 节節 难難 种種 与與 华華 险險 剧劇 脑腦 软軟 权權 协協 议議 条條 约約 损損 亏虧 场場 织織 负負 责責 县縣 区區 镇鎮 乡鄉 农農 医醫 疗療 药藥 诊診 断斷 检檢 验驗 测測 试試 报報 营營 运運 处處 况況 际際 围圍 图圖 团團 众眾 传傳 视視 频頻 游遊 历歷 馆館 导導 讲講 课課 师師 练練 习習 驾駕 驶駛 辆輛 轮輪 灯燈 桥橋 铁鐵 铜銅 钢鋼 标標 准準 财財 润潤 贸貿 险險 办辦 归歸 属屬 龄齡 岁歲 缴繳 纪紀 录錄 签簽 约約 续續 满滿 济濟 优優 补補 贴貼 请請 诉訴 虑慮 览覽 饭飯 给給 红紅 绿綠 蓝藍';
/** Simplified → traditional. */
export const TRAD = new Map<string, string>();
for (const p of TRAD_PAIRS.split(/\s+/)) if ([...p].length === 2) TRAD.set([...p][0], [...p][1]);

/** Traditional → simplified. */
export const SIMP = new Map<string, string>([...TRAD].map(([s, t]) => [t, s]));

/** Folds traditional characters of the table to simplified (other characters unchanged). */
export function toSimplified(text: string): string {
  let out = '';
  for (const ch of text) out += SIMP.get(ch) ?? ch;
  return out;
}
