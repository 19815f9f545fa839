<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
  <context>
    <name>spatial_carbon</name>
    <message>
      <source>0 - Set up</source>
      <translation>0 - 安装设置</translation>
    </message>
    <message>
      <source>1 - Emissions inventory</source>
      <translation>1 - 排放清单</translation>
    </message>
    <message>
      <source>2 - Land cover and carbon sinks</source>
      <translation>2 - 土地覆被与碳汇</translation>
    </message>
    <message>
      <source>3 - Carbon footprint</source>
      <translation>3 - 碳足迹</translation>
    </message>
    <message>
      <source>4 - Spatial statistics</source>
      <translation>4 - 空间统计</translation>
    </message>
    <message>
      <source>5 - Input-output carbon transfer</source>
      <translation>5 - 投入产出碳转移</translation>
    </message>
    <message>
      <source>6 - Whole study</source>
      <translation>6 - 完整研究</translation>
    </message>
    <message>
      <source>Absorption shares</source>
      <translation>碳吸收份额</translation>
    </message>
    <message>
      <source>Activate</source>
      <translation>启用</translation>
    </message>
    <message>
      <source>Alternative hypothesis</source>
      <translation>备择假设</translation>
    </message>
    <message>
      <source>Base Python</source>
      <translation>基础 Python 解释器</translation>
    </message>
    <message>
      <source>Base year</source>
      <translation>基期年份</translation>
    </message>
    <message>
      <source>Bivariate LISA (x with neighbours' y)</source>
      <translation>双变量 LISA（x 与邻域 y）</translation>
    </message>
    <message>
      <source>Bivariate LISA clusters</source>
      <translation>双变量 LISA 聚类</translation>
    </message>
    <message>
      <source>Boundaries (for a flow map)</source>
      <translation>边界（用于流向图）</translation>
    </message>
    <message>
      <source>Boundaries (for a map layer)</source>
      <translation>边界（用于地图图层）</translation>
    </message>
    <message>
      <source>Breaks table</source>
      <translation>断点表</translation>
    </message>
    <message>
      <source>CEADs workbooks folder</source>
      <translation>CEADs 工作簿文件夹</translation>
    </message>
    <message>
      <source>Carbon coefficients</source>
      <translation>碳排放系数</translation>
    </message>
    <message>
      <source>Carbon sinks</source>
      <translation>碳汇</translation>
    </message>
    <message>
      <source>Carbon sinks from class areas</source>
      <translation>由地类面积计算碳汇</translation>
    </message>
    <message>
      <source>Carbon sinks table</source>
      <translation>碳汇表</translation>
    </message>
    <message>
      <source>Carbon transfer from output-share shifts</source>
      <translation>产出份额变动引起的碳转移</translation>
    </message>
    <message>
      <source>Centre of gravity and standard deviational ellipse</source>
      <translation>重心与标准差椭圆</translation>
    </message>
    <message>
      <source>Centres</source>
      <translation>重心</translation>
    </message>
    <message>
      <source>Class areas</source>
      <translation>地类面积</translation>
    </message>
    <message>
      <source>Class areas table</source>
      <translation>地类面积表</translation>
    </message>
    <message>
      <source>Class bounds</source>
      <translation>分级界限</translation>
    </message>
    <message>
      <source>Classes</source>
      <translation>分级</translation>
    </message>
    <message>
      <source>Classes (k)</source>
      <translation>分级数（k）</translation>
    </message>
    <message>
      <source>Classified layer</source>
      <translation>分级图层</translation>
    </message>
    <message>
      <source>Cluster map significance</source>
      <translation>聚类图显著性</translation>
    </message>
    <message>
      <source>Cluster significance</source>
      <translation>聚类显著性</translation>
    </message>
    <message>
      <source>Cohesion and flux</source>
      <translation>凝聚度与流动性</translation>
    </message>
    <message>
      <source>Connectivity report</source>
      <translation>连接性报告</translation>
    </message>
    <message>
      <source>Count significant units only</source>
      <translation>仅统计显著单元</translation>
    </message>
    <message>
      <source>Decomposition</source>
      <translation>分解结果</translation>
    </message>
    <message>
      <source>Depth field</source>
      <translation>深度字段</translation>
    </message>
    <message>
      <source>Distance band</source>
      <translation>距离阈值</translation>
    </message>
    <message>
      <source>Draw the figures</source>
      <translation>绘制图件</translation>
    </message>
    <message>
      <source>Embodied carbon in trade (provincial IO tables)</source>
      <translation>贸易隐含碳（省级投入产出表）</translation>
    </message>
    <message>
      <source>Embodied flows</source>
      <translation>隐含碳流</translation>
    </message>
    <message>
      <source>Emission accounts</source>
      <translation>排放核算</translation>
    </message>
    <message>
      <source>Emission factors</source>
      <translation>排放因子</translation>
    </message>
    <message>
      <source>Emissions table</source>
      <translation>排放表</translation>
    </message>
    <message>
      <source>Energy-intensive sectors</source>
      <translation>高耗能部门</translation>
    </message>
    <message>
      <source>Environment folder</source>
      <translation>环境文件夹</translation>
    </message>
    <message>
      <source>Extension</source>
      <translation>卫星账户</translation>
    </message>
    <message>
      <source>FDR-correct Gi_Bin</source>
      <translation>对 Gi_Bin 做 FDR 校正</translation>
    </message>
    <message>
      <source>Field</source>
      <translation>字段</translation>
    </message>
    <message>
      <source>Field x (at the region)</source>
      <translation>字段 x（本区域）</translation>
    </message>
    <message>
      <source>Field y (of the neighbours)</source>
      <translation>字段 y（邻域）</translation>
    </message>
    <message>
      <source>Fields</source>
      <translation>字段</translation>
    </message>
    <message>
      <source>Final demand</source>
      <translation>最终需求</translation>
    </message>
    <message>
      <source>Final year</source>
      <translation>末期年份</translation>
    </message>
    <message>
      <source>First year</source>
      <translation>起始年份</translation>
    </message>
    <message>
      <source>Flow attribution</source>
      <translation>流向归属方法</translation>
    </message>
    <message>
      <source>Folder of CEADs workbooks</source>
      <translation>CEADs 工作簿文件夹</translation>
    </message>
    <message>
      <source>Footprint layer</source>
      <translation>碳足迹图层</translation>
    </message>
    <message>
      <source>Footprint table</source>
      <translation>碳足迹表</translation>
    </message>
    <message>
      <source>Footprint trends (growth rates, CEC projection)</source>
      <translation>碳足迹趋势（增长率、CEC 预测）</translation>
    </message>
    <message>
      <source>Fuel-use emissions (IPCC 2006)</source>
      <translation>能源消费排放（IPCC 2006）</translation>
    </message>
    <message>
      <source>Fuel-use table</source>
      <translation>能源消费表</translation>
    </message>
    <message>
      <source>G* (include the region itself)</source>
      <translation>G*（包含区域自身）</translation>
    </message>
    <message>
      <source>Gas basis</source>
      <translation>气体口径</translation>
    </message>
    <message>
      <source>Global Moran's I</source>
      <translation>全局莫兰指数</translation>
    </message>
    <message>
      <source>Growth rates</source>
      <translation>增长率</translation>
    </message>
    <message>
      <source>Hot spots</source>
      <translation>热点</translation>
    </message>
    <message>
      <source>Hot spots (Getis-Ord Gi*)</source>
      <translation>热点分析（Getis-Ord Gi*）</translation>
    </message>
    <message>
      <source>ICF natural breaks</source>
      <translation>ICF 自然断点分级</translation>
    </message>
    <message>
      <source>IO table, period 0</source>
      <translation>投入产出表（第 0 期）</translation>
    </message>
    <message>
      <source>IO table, period 1</source>
      <translation>投入产出表（第 1 期）</translation>
    </message>
    <message>
      <source>Import CEADs provincial inventories</source>
      <translation>导入 CEADs 省级排放清单</translation>
    </message>
    <message>
      <source>Imports</source>
      <translation>进口</translation>
    </message>
    <message>
      <source>Include export-driven transfer</source>
      <translation>包含出口驱动的转移</translation>
    </message>
    <message>
      <source>Include industrial process emissions</source>
      <translation>包含工业过程排放</translation>
    </message>
    <message>
      <source>Industrial emissions table</source>
      <translation>工业排放表</translation>
    </message>
    <message>
      <source>Input layer</source>
      <translation>输入图层</translation>
    </message>
    <message>
      <source>Input layer (several years)</source>
      <translation>输入图层（多年）</translation>
    </message>
    <message>
      <source>Interregional carbon transfer between two periods</source>
      <translation>两期区域间碳转移</translation>
    </message>
    <message>
      <source>LISA clusters</source>
      <translation>LISA 聚类</translation>
    </message>
    <message>
      <source>LISA clusters of ICF size</source>
      <translation>ICF 规模的 LISA 聚类</translation>
    </message>
    <message>
      <source>LISA layer (several years)</source>
      <translation>LISA 图层（多年）</translation>
    </message>
    <message>
      <source>LISA transitions</source>
      <translation>LISA 时空跃迁</translation>
    </message>
    <message>
      <source>LMDI decomposition of emission change</source>
      <translation>排放变化的 LMDI 分解</translation>
    </message>
    <message>
      <source>Lag classes</source>
      <translation>空间滞后分级</translation>
    </message>
    <message>
      <source>Lag classes (m)</source>
      <translation>空间滞后分级数（m）</translation>
    </message>
    <message>
      <source>Land-cover class areas per zone</source>
      <translation>分区土地覆被地类面积</translation>
    </message>
    <message>
      <source>Land-cover legend</source>
      <translation>土地覆被图例</translation>
    </message>
    <message>
      <source>Land-cover raster</source>
      <translation>土地覆被栅格</translation>
    </message>
    <message>
      <source>Land-cover rasters</source>
      <translation>土地覆被栅格</translation>
    </message>
    <message>
      <source>Last year</source>
      <translation>终止年份</translation>
    </message>
    <message>
      <source>Legend</source>
      <translation>图例</translation>
    </message>
    <message>
      <source>Leontief solver</source>
      <translation>里昂惕夫逆矩阵求解器</translation>
    </message>
    <message>
      <source>Local Moran's I (LISA clusters)</source>
      <translation>局部莫兰指数（LISA 聚类）</translation>
    </message>
    <message>
      <source>MRIO emission accounts and embodied flows</source>
      <translation>多区域投入产出排放核算与隐含碳流</translation>
    </message>
    <message>
      <source>MRIO folder (pymrio)</source>
      <translation>MRIO 文件夹（pymrio）</translation>
    </message>
    <message>
      <source>Method</source>
      <translation>方法</translation>
    </message>
    <message>
      <source>Moran's I table</source>
      <translation>莫兰指数表</translation>
    </message>
    <message>
      <source>Moves per region</source>
      <translation>各区域跃迁</translation>
    </message>
    <message>
      <source>NEP forest (t/hm2/a)</source>
      <translation>林地 NEP（t/hm2/a）</translation>
    </message>
    <message>
      <source>NEP grassland (t/hm2/a)</source>
      <translation>草地 NEP（t/hm2/a）</translation>
    </message>
    <message>
      <source>National IO table</source>
      <translation>全国投入产出表</translation>
    </message>
    <message>
      <source>National sector intensities (adjusted method)</source>
      <translation>全国部门碳排放强度（调整法）</translation>
    </message>
    <message>
      <source>National total emissions (adjusted method)</source>
      <translation>全国碳排放总量（调整法）</translation>
    </message>
    <message>
      <source>National total output (adjusted method)</source>
      <translation>全国总产出（调整法）</translation>
    </message>
    <message>
      <source>National totals</source>
      <translation>全国合计</translation>
    </message>
    <message>
      <source>Natural breaks classes</source>
      <translation>自然断点分级</translation>
    </message>
    <message>
      <source>Neighbours (knn)</source>
      <translation>近邻数（knn）</translation>
    </message>
    <message>
      <source>Net carbon flows</source>
      <translation>净碳流</translation>
    </message>
    <message>
      <source>Number of classes</source>
      <translation>分级数</translation>
    </message>
    <message>
      <source>Offline wheel folder</source>
      <translation>离线 wheel 文件夹</translation>
    </message>
    <message>
      <source>One pooled decomposition</source>
      <translation>合并为一次分解</translation>
    </message>
    <message>
      <source>One row per fuel</source>
      <translation>每种燃料一行</translation>
    </message>
    <message>
      <source>Open '%s'</source>
      <translation>打开“%s”</translation>
    </message>
    <message>
      <source>Optional packages</source>
      <translation>可选软件包</translation>
    </message>
    <message>
      <source>Output and emissions table</source>
      <translation>产出与排放表</translation>
    </message>
    <message>
      <source>Output folder</source>
      <translation>输出文件夹</translation>
    </message>
    <message>
      <source>Own equivalence factors</source>
      <translation>自定义均衡因子</translation>
    </message>
    <message>
      <source>Own factor table</source>
      <translation>自定义排放因子表</translation>
    </message>
    <message>
      <source>Own legend</source>
      <translation>自定义图例</translation>
    </message>
    <message>
      <source>Own rates table</source>
      <translation>自定义吸收速率表</translation>
    </message>
    <message>
      <source>Periods</source>
      <translation>时段</translation>
    </message>
    <message>
      <source>Permutations</source>
      <translation>置换次数</translation>
    </message>
    <message>
      <source>Pixel rule</source>
      <translation>像元归属规则</translation>
    </message>
    <message>
      <source>Points' region id field</source>
      <translation>点的区域标识字段</translation>
    </message>
    <message>
      <source>Points' weight field</source>
      <translation>点的权重字段</translation>
    </message>
    <message>
      <source>Population points</source>
      <translation>人口点</translation>
    </message>
    <message>
      <source>Population table</source>
      <translation>人口表</translation>
    </message>
    <message>
      <source>Project to year</source>
      <translation>预测至年份</translation>
    </message>
    <message>
      <source>Projected indicator</source>
      <translation>预测指标</translation>
    </message>
    <message>
      <source>Projection</source>
      <translation>预测结果</translation>
    </message>
    <message>
      <source>Province boundaries</source>
      <translation>省级边界</translation>
    </message>
    <message>
      <source>Province total emissions (adjusted method)</source>
      <translation>各省碳排放总量（调整法）</translation>
    </message>
    <message>
      <source>Provinces taking the national intensity</source>
      <translation>采用全国碳排放强度的省份</translation>
    </message>
    <message>
      <source>Provincial IO tables</source>
      <translation>省级投入产出表</translation>
    </message>
    <message>
      <source>Python interpreter with spatial_carbon installed (empty: %s; the tool '%s' sets it)</source>
      <translation>安装了 spatial_carbon 的 Python 解释器（留空：%s；工具“%s”会自动设置）</translation>
    </message>
    <message>
      <source>Quadrant mitigation zones</source>
      <translation>象限减排分区</translation>
    </message>
    <message>
      <source>Quadrant zones</source>
      <translation>象限分区</translation>
    </message>
    <message>
      <source>Random seed</source>
      <translation>随机种子</translation>
    </message>
    <message>
      <source>Region field of the boundaries</source>
      <translation>边界的区域字段</translation>
    </message>
    <message>
      <source>Region groups</source>
      <translation>区域分组</translation>
    </message>
    <message>
      <source>Region id field</source>
      <translation>区域标识字段</translation>
    </message>
    <message>
      <source>Run a whole study (study.toml)</source>
      <translation>运行完整研究（study.toml）</translation>
    </message>
    <message>
      <source>Scheme</source>
      <translation>分级方法</translation>
    </message>
    <message>
      <source>Sector concordance</source>
      <translation>部门对照表</translation>
    </message>
    <message>
      <source>Sector emissions</source>
      <translation>部门排放</translation>
    </message>
    <message>
      <source>Sector groups</source>
      <translation>部门分组</translation>
    </message>
    <message>
      <source>Sectors</source>
      <translation>部门</translation>
    </message>
    <message>
      <source>Seed-001 study for one year</source>
      <translation>Seed-001 单年研究</translation>
    </message>
    <message>
      <source>Set up the spatial_carbon worker</source>
      <translation>配置 spatial_carbon 运行环境</translation>
    </message>
    <message>
      <source>Share-shift transfer</source>
      <translation>份额变动转移</translation>
    </message>
    <message>
      <source>Significance flag</source>
      <translation>显著性标记</translation>
    </message>
    <message>
      <source>Significance level</source>
      <translation>显著性水平</translation>
    </message>
    <message>
      <source>Size field</source>
      <translation>规模字段</translation>
    </message>
    <message>
      <source>Spatial Markov chain</source>
      <translation>空间马尔可夫链</translation>
    </message>
    <message>
      <source>Spatial weights</source>
      <translation>空间权重</translation>
    </message>
    <message>
      <source>Spatial weights (GAL/GWT) and connectivity</source>
      <translation>空间权重（GAL/GWT）与连接性</translation>
    </message>
    <message>
      <source>Split technique by energy</source>
      <translation>按能源拆分技术效应</translation>
    </message>
    <message>
      <source>Standard deviational ellipses</source>
      <translation>标准差椭圆</translation>
    </message>
    <message>
      <source>Steady states</source>
      <translation>稳态分布</translation>
    </message>
    <message>
      <source>Stressor</source>
      <translation>排放物</translation>
    </message>
    <message>
      <source>Study configuration</source>
      <translation>研究配置</translation>
    </message>
    <message>
      <source>Three-dimensional carbon footprint</source>
      <translation>三维碳足迹</translation>
    </message>
    <message>
      <source>Trade carbon by province</source>
      <translation>分省贸易隐含碳</translation>
    </message>
    <message>
      <source>Trade carbon by region group</source>
      <translation>按区域分组的贸易隐含碳</translation>
    </message>
    <message>
      <source>Trade carbon by sector</source>
      <translation>分部门贸易隐含碳</translation>
    </message>
    <message>
      <source>Trade carbon by sector group</source>
      <translation>按部门分组的贸易隐含碳</translation>
    </message>
    <message>
      <source>Trade carbon layer</source>
      <translation>贸易隐含碳图层</translation>
    </message>
    <message>
      <source>Trajectory</source>
      <translation>迁移轨迹</translation>
    </message>
    <message>
      <source>Transfer by region</source>
      <translation>分区域转移</translation>
    </message>
    <message>
      <source>Transfer by region pair</source>
      <translation>区域对转移</translation>
    </message>
    <message>
      <source>Transition counts</source>
      <translation>跃迁计数</translation>
    </message>
    <message>
      <source>Transition matrices</source>
      <translation>转移矩阵</translation>
    </message>
    <message>
      <source>Transition probabilities</source>
      <translation>跃迁概率</translation>
    </message>
    <message>
      <source>Treatment of imports</source>
      <translation>进口处理方式</translation>
    </message>
    <message>
      <source>Units without neighbours</source>
      <translation>无邻接单元</translation>
    </message>
    <message>
      <source>Weight field</source>
      <translation>权重字段</translation>
    </message>
    <message>
      <source>Weights file</source>
      <translation>权重文件</translation>
    </message>
    <message>
      <source>Weights file (GAL/GWT)</source>
      <translation>权重文件（GAL/GWT）</translation>
    </message>
    <message>
      <source>Worker processes</source>
      <translation>工作进程数</translation>
    </message>
    <message>
      <source>Write report.html</source>
      <translation>生成 report.html</translation>
    </message>
    <message>
      <source>Year</source>
      <translation>年份</translation>
    </message>
    <message>
      <source>Year field</source>
      <translation>年份字段</translation>
    </message>
    <message>
      <source>Years</source>
      <translation>年份</translation>
    </message>
    <message>
      <source>Zone field</source>
      <translation>分区字段</translation>
    </message>
    <message>
      <source>Zones</source>
      <translation>分区</translation>
    </message>
    <message>
      <source>p-value deciding the cluster</source>
      <translation>决定聚类的 p 值</translation>
    </message>
    <message>
      <source>spatial_carbon wheel</source>
      <translation>spatial_carbon wheel 安装包</translation>
    </message>
    <message>
      <source>spatial_carbon: regional carbon analysis</source>
      <translation>spatial_carbon：区域碳排放分析</translation>
    </message>
    <message>
      <source>the Processing setting %s</source>
      <translation>Processing 设置项 %s</translation>
    </message>
    <message>
      <source>the default location</source>
      <translation>默认位置</translation>
    </message>
    <message>
      <source>the environment variable %s</source>
      <translation>环境变量 %s</translation>
    </message>
  </context>
</TS>
